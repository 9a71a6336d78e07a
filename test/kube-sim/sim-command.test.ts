import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnLostromos, waitFor } from '../support/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lostromos-sim-cmd-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// Simulator only: this tests the `lostromos sim` command itself (it starts the simulator).
describe('lostromos sim', () => {
  it('prints "listening on", writes a kubeconfig kubectl uses, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const kubeconfig = path.join(dir, 'kc.yaml');
    const p = spawnLostromos([
      'sim',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--kubeconfig-out',
      kubeconfig,
    ]);
    await waitFor(() => p.output().includes('listening on'), { timeoutMs: 60_000, what: 'sim to listen' });
    expect(p.output()).toMatch(new RegExp(`^listening on http://127\\.0\\.0\\.1:${port}$`, 'm'));
    expect(await readFile(kubeconfig, 'utf8')).toContain(`server: http://127.0.0.1:${port}`);
    const out = execFileSync('kubectl', ['--kubeconfig', kubeconfig, 'get', 'namespaces', '-o', 'name'], {
      encoding: 'utf8',
      env: { ...process.env, HOME: dir },
    });
    expect(out.split('\n')).toContain('namespace/default');
    expect(await p.stop()).toBe(0);
  });

  it('exits 2 with the flag named for a bad flag value', async () => {
    const p = spawnLostromos(['sim', '--port', 'seventy']);
    expect(await p.exited).toBe(2);
    expect(p.output()).toContain('--port');
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      const p = spawnLostromos(['sim', '--port', String(port)]);
      expect(await p.exited).toBe(1);
      expect(p.output()).toContain(`cannot listen on 127.0.0.1:${port}`);
    } finally {
      blocker.close();
    }
  });
});
