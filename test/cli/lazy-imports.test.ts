// What every `lostromos` process loads before it knows its command and roles: the command list and the CLI's
// shared code — not the code of the roles it may not run (the dashboard's Fastify and Bull Board, the watcher,
// the worker), nor the simulator (`sim`, `dev`), nor client-node (only an exec plugin, auth provider or proxy
// in the kubeconfig needs it). Each is imported by the process that uses it, which keeps ~60–70 MB of RSS
// out of every process (docs/performance.md, *Bottlenecks, 9*).
import path from 'node:path';
import { expect, it } from 'vitest';
import { runRecordingModules } from '../support/module-loads.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

it('a lostromos process loads no role, simulator or client-node before it runs a command that needs it', async () => {
  const { stdout, loaded } = await runRecordingModules(
    [path.join(ROOT, 'apps/cli/dist/main.js'), 'version'],
    { cwd: ROOT },
  );
  expect(stdout).toMatch(/lostromos/);
  // The hook sees the command list and what it imports (control: the CLI's shared libraries).
  expect(loaded.some((l) => l.includes('/libs/render/'))).toBe(true);
  expect(loaded.some((l) => l.includes('/apps/cli/dist/commands/start.js'))).toBe(true);
  const heavy = [
    '/apps/dashboard/',
    '/apps/watcher/',
    '/apps/worker/',
    '/libs/kube-sim/',
    '/node_modules/fastify/',
    '/node_modules/@bull-board/',
    '/node_modules/@kubernetes/client-node/',
  ];
  expect(loaded.filter((l) => heavy.some((h) => l.includes(h)))).toEqual([]);
});
