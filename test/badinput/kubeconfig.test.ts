// Kubeconfig rows: through createKubeClient and one request (as every command builds its client), and through
// runCli (the real command's code path and exit code, in-process) for the rows about a command.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createKubeClient } from '@lostromos/kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECONFIG_ROWS, type KubeconfigRow } from './cases/kubeconfig.ts';
import {
  assertUniqueIds,
  describeError,
  expectClear,
  expectError,
  removeTmpDirs,
  split,
  tmpDir,
  writeTree,
} from './corpus.ts';
import { runInProcess } from './run-in-process.ts';

let root: string;
let server: http.Server;
let serverUrl: string;

beforeAll(async () => {
  root = tmpDir('kubeconfig');
  // An API server that refuses every request as unauthenticated (what a dropped credential leads to).
  server = http.createServer((_req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'Unauthorized',
        code: 401,
        message: 'Unauthorized',
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  removeTmpDirs();
  await new Promise((resolve) => server?.close(resolve));
});

function prepare(row: KubeconfigRow): { dir: string; kubeconfig: string } {
  const dir = path.join(root, row.id);
  const kubeconfig = path.join(dir, 'kubeconfig');
  writeTree(dir, {
    'c.yaml':
      'resources:\n  - { name: things, group: things.example.io, version: v1, plural: things, templates: ./t }\n',
    't/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "{{name}}"\n',
  });
  if (row.input.kubeconfig !== null)
    fs.writeFileSync(kubeconfig, row.input.kubeconfig.replaceAll('{{server}}', serverUrl));
  return { dir, kubeconfig };
}

async function inProcess(row: KubeconfigRow): Promise<void> {
  const { kubeconfig } = prepare(row);
  const fromEnv = row.input.via === 'KUBECONFIG';
  let failure: ReturnType<typeof describeError> | undefined;
  try {
    const client = createKubeClient({
      kubeconfig: fromEnv ? '' : kubeconfig,
      env: fromEnv ? { KUBECONFIG: kubeconfig } : {},
      ...(row.input.context ? { context: row.input.context } : {}),
    });
    try {
      await Promise.race([
        client.rest.request({ method: 'GET', path: '/version' }),
        new Promise((_r, reject) => setTimeout(() => reject(new Error('no answer within 15 s')), 15_000)),
      ]);
    } finally {
      client.close();
    }
  } catch (err) {
    failure = describeError(err);
  }
  expect(failure, `${row.id}: expected an error`).toBeDefined();
  expectError(failure!, row.expect, row.id);
}

async function command(row: KubeconfigRow): Promise<void> {
  const { dir, kubeconfig } = prepare(row);
  const args =
    row.input.command === 'start'
      ? [
          'start',
          '--config',
          'c.yaml',
          '--kubeconfig',
          kubeconfig,
          '--role',
          'worker',
          '--server-address',
          '127.0.0.1:0',
        ]
      : ['diff', '--config', 'c.yaml', '--kubeconfig', kubeconfig];
  const r = await runInProcess(args, { cwd: dir });
  expect(r.code, `${row.id}: exit code (stderr: ${r.stderr})`).toBe(row.expect.exit);
  expectClear(r.stderr, row.expect, row.id);
}

const run = (row: KubeconfigRow): Promise<void> => (row.input.command ? command(row) : inProcess(row));
const { meets, open } = split(KUBECONFIG_ROWS);

describe('bad-input corpus: kubeconfig', () => {
  it('has unique row ids', () => assertUniqueIds(KUBECONFIG_ROWS));
  it.concurrent.each(meets)('$id: $title', (row) => run(row));
  it.concurrent.fails.each(open)('$id (open finding): $title', (row) => run(row));
});
