// Runs `node <args>` with a module resolve hook that records every module the process loads: what tests of
// "this process never loads X" read (a process that needs X only sometimes imports it only then).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** stdout of `node <args>` in `cwd`, and the URL of every module it resolved. */
export async function runRecordingModules(
  args: string[],
  opts: { cwd: string; timeoutMs?: number },
): Promise<{ stdout: string; loaded: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lz-module-loads-'));
  try {
    const hook = path.join(dir, 'report.mjs');
    const log = path.join(dir, 'loaded.txt');
    // Appended synchronously from the hooks thread: a write to stderr from there can be lost when the process
    // exits right after its last import (a short command like `version`).
    fs.writeFileSync(
      hook,
      `import fs from 'node:fs';
       export async function resolve(spec, ctx, next) {
         const r = await next(spec, ctx);
         fs.appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
         return r;
       }
       `,
    );
    const register = path.join(dir, 'register.mjs');
    fs.writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hook}`)});\n`,
    );
    const { stdout } = await run(process.execPath, ['--import', register, ...args], {
      cwd: opts.cwd,
      timeout: opts.timeoutMs ?? 60_000,
    });
    const loaded = fs.existsSync(log)
      ? fs
          .readFileSync(log, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];
    return { stdout, loaded };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
