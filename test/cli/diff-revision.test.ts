import fs from 'node:fs';
import path from 'node:path';
import { TemplateStore } from '@lostromos/queue';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { condition, FIXTURES, ship, startHarness, type Harness } from '../controller/harness.js';
import { freePort, spawnLostromos, waitFor } from '../support/index.js';
import type { CliResult } from './run-cli-process.js';

// `lostromos diff --revision PREFIX` against the API server (real by default): every selected CR rendered with
// a template revision the workers stored in Redis, instead of the files on disk, and diffed as `lostromos diff`
// does. A worker loads the templates (revision A is stored) and the CRs converge on it; then the files on disk
// change (no worker loads them): the files show the change, revision A shows none. A prefix that is no
// revision exits 2; one that names none or several stored revisions, or an unreachable Redis, exits 3 with
// what to do. Every run must end by itself: a Redis connection left open would keep the process alive.

const PREFIX = 'diffrev';
let h: Harness;
let redis: Redis;
let stored = '';

async function diff(...args: string[]): Promise<CliResult> {
  const p = spawnLostromos(['diff', '--config', h.configFile, '--resource', 'ships', ...args]);
  let stdout = '';
  let stderr = '';
  p.proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  p.proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 60_000)));
  const code = await Promise.race([p.exited, hung]);
  clearTimeout(timer);
  if (code === 'hung') {
    await p.kill();
    throw new Error(`lostromos diff ${args.join(' ')} did not exit within 60 s (a connection left open?)`);
  }
  return { code, stdout, stderr };
}

const history = async (): Promise<string[]> => redis.zrange(`${PREFIX}:_templates:ships`, '0', '-1', 'REV');

beforeAll(async () => {
  h = await startHarness({ prefix: PREFIX });
  redis = new Redis(h.redis.url);
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  await h.start('all');
  await h.apply(ship('nautilus', { captain: 'Nemo', crew: 40, withLog: true }));
  await h.apply(ship('pequod', { captain: 'Ahab', crew: 30 }));
  const revisions = await waitFor(async () => ((await history()).length === 1 ? history() : undefined), {
    timeoutMs: 30_000,
    what: 'revision A in the template store',
  });
  stored = revisions[0]!;
  for (const name of ['nautilus', 'pequod']) {
    await waitFor(
      async () => {
        const cr = await h.get('fleet.example.io/v1', 'ships', 'default', name);
        return (
          condition(cr, 'Ready')?.status === 'True' &&
          (cr?.status as { templateRevision?: string } | undefined)?.templateRevision === stored.slice(0, 12)
        );
      },
      { timeoutMs: 30_000, what: `${name} Ready on revision A` },
    );
  }
  await waitFor(() => h.get('v1', 'configmaps', 'default', 'nautilus-log'), { what: 'nautilus-log' });
  // The operator stops: the template edits below are never loaded, so revision B is on disk only.
  await Promise.all(h.roles.map((r) => r.stop(8000)));
});

afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

describe('lostromos diff --revision PREFIX', () => {
  it('with the files unchanged, the files on disk and the stored revision the CRs run both show nothing', async () => {
    const disk = await diff();
    expect(disk.stderr).toBe('');
    expect(disk.code).toBe(0);
    const a = await diff('--revision', stored.slice(0, 12));
    expect(a.stderr).toBe('');
    expect(a.stdout).toBe('');
    expect(a.code).toBe(0);
  });

  it('after a template edit no worker loaded: the files on disk differ (exit 1), the running revision does not (exit 0)', async () => {
    const cm = path.join(h.templates, 'ships', 'configmap.yaml');
    fs.writeFileSync(cm, `${fs.readFileSync(cm, 'utf8').trimEnd()}\n  edited: 'yes'\n`);
    fs.rmSync(path.join(h.templates, 'ships', 'logbook.yaml'));

    const disk = await diff();
    expect(disk.code, disk.stderr).toBe(1);
    expect(disk.stdout).toContain('# default/nautilus: ConfigMap default/nautilus-config would be changed');
    expect(disk.stdout).toMatch(/^\+ {2}edited: "?yes"?$/m);
    expect(disk.stdout).toContain('# default/nautilus: ConfigMap default/nautilus-log would be pruned');

    // The same CRs with revision A, as stored: the pruned file and the edit are not in it.
    const a = await diff('--revision', stored.slice(0, 12));
    expect(a.stderr).toBe('');
    expect(a.stdout).toBe('');
    expect(a.code).toBe(0);
    // The prefix rules of the pin annotation: 6+ hex digits, any case, surrounding spaces ignored.
    const short = await diff('--revision', ` ${stored.slice(0, 8).toUpperCase()} `, '--name', 'nautilus');
    expect(short.stderr).toBe('');
    expect(short.code).toBe(0);
    expect(await history()).toEqual([stored]);
  });

  it('a value that is no revision prefix exits 2 before Redis or the cluster is asked', async () => {
    for (const bad of ['latest', stored.slice(0, 5), '']) {
      const r = await diff('--revision', bad);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(
        `lostromos diff: --revision ${JSON.stringify(bad)} is not a template revision: give at least 6 hex digits`,
      );
      expect(r.stderr).toContain('run `lostromos diff --help` for its flags');
      expect(r.stdout).toBe('');
    }
  });

  it('a prefix of no stored revision exits 3 and lists the newest stored ones', async () => {
    const unknown = stored.startsWith('0123456789ab') ? 'fedcba987654' : '0123456789ab';
    const r = await diff('--revision', unknown);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `lostromos diff: --revision ${unknown} names no stored template revision of resource ships (Redis at ${h.redis.url}`,
    );
    expect(r.stderr).toContain(
      `prefix "${PREFIX}"); the newest stored:\n  ${stored.slice(0, 12)}  stored 20`,
    );
    expect(r.stderr).toContain('give one of them (6 or more of its digits)');
  });

  it('a prefix of several stored revisions exits 3 and lists the candidates', async () => {
    // A second stored revision that shares the first 8 digits (a real sha256 clash is too rare to wait for).
    const store = new TemplateStore({ connection: redis, prefix: PREFIX });
    const snapshot = (await store.get('ships', stored))!;
    const twin = `${stored.slice(0, 8)}${stored[8] === '0' ? '1' : '0'}${stored.slice(9)}`;
    await store.put('ships', { ...snapshot, revision: twin });

    const r = await diff('--revision', stored.slice(0, 8));
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `lostromos diff: --revision ${stored.slice(0, 8)} matches 2 stored template revisions of resource ships:`,
    );
    expect(r.stderr).toContain(`  ${twin.slice(0, 12)}  stored 20`);
    expect(r.stderr).toContain(`  ${stored.slice(0, 12)}  stored 20`);
    expect(r.stderr).toContain('give more digits');
    // More digits name one again.
    expect((await diff('--revision', stored.slice(0, 12))).code).toBe(0);
  });

  it('Redis unreachable: exit 3 naming the address and the config field; without --revision Redis is not needed', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const r = await diff('--revision', stored.slice(0, 12), '--redis', url);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`lostromos diff: cannot reach Redis at ${url}`);
    expect(r.stderr).toContain(' within 5 s (ECONNREFUSED: nothing listens there): is it running?');
    expect(r.stderr).toContain(`Fix redis.url in ${h.configFile}, or pass --redis URL`);

    const disk = await diff('--redis', url);
    expect(disk.stderr).toBe('');
    expect(disk.code).toBe(1);
  });
});
