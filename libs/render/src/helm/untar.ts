import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';

/** Thrown for archives we refuse or cannot read. */
export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

function field(buf: Buffer, off: number, len: number): string {
  const raw = buf.subarray(off, off + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function octal(buf: Buffer, off: number, len: number): number {
  const s = field(buf, off, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function paxPath(data: Buffer): string | undefined {
  // Records: "<len> key=value\n".
  let p = 0;
  let found: string | undefined;
  while (p < data.length) {
    const sp = data.indexOf(0x20, p);
    if (sp < 0) break;
    const len = Number(data.toString('utf8', p, sp));
    if (!Number.isFinite(len) || len <= 0) break;
    const rec = data.toString('utf8', sp + 1, p + len - 1);
    const eq = rec.indexOf('=');
    if (rec.slice(0, eq) === 'path') found = rec.slice(eq + 1);
    p += len;
  }
  return found;
}

/**
 * Unpacks a gzipped tar (a packaged Helm chart) into `dest`: regular files and folders only (links and
 * devices are skipped) and no entry may escape `dest`. Handles ustar, GNU long names and pax paths.
 */
export async function extractTgz(
  archive: Buffer,
  dest: string,
  opts: { maxBytes?: number } = {},
): Promise<void> {
  const maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
  let tar: Buffer;
  try {
    tar = zlib.gunzipSync(archive, { maxOutputLength: maxBytes });
  } catch (err) {
    throw new ArchiveError(
      `not a gzip archive or larger than ${maxBytes} bytes unpacked: ${(err as Error).message}`,
    );
  }
  const root = path.resolve(dest);
  let off = 0;
  let longName: string | undefined;
  while (off + 512 <= tar.length) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0x30);
    const prefix = field(header, 345, 155);
    let name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = field(body, 0, body.length);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(body);
      continue;
    }
    if (type === 'g') continue;
    name = name.replace(/^\.\//, '');
    const target = path.resolve(root, name);
    if (!target.startsWith(root + path.sep) || path.isAbsolute(name)) {
      throw new ArchiveError(`archive entry "${name}" points outside the chart folder`);
    }
    if (type === '5') {
      await fs.mkdir(target, { recursive: true });
    } else if (type === '0' || type === '\0' || type === '7') {
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, body, { mode: 0o644 });
    }
  }
}
