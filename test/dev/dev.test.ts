/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are untyped JSON */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { LOSTROMOS_BIN, freePort, waitFor } from '../support/index.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * `lostromos dev` end to end, as a user runs it: its own process group (like `setsid npm run dev`), the
 * example sets copied to a temp folder so the test can edit templates, then Ctrl-C to the whole group.
 */
describe('lostromos dev', () => {
  let dev: ChildProcess;
  let out = '';
  let examples: string;
  let server: string;
  let kubeconfig: string;
  let exited: Promise<number | null>;

  const line = (key: string): string => {
    const m = new RegExp(`^${key}: (\\S+)`, 'm').exec(out);
    if (!m) throw new Error(`no "${key}:" line yet`);
    return m[1]!;
  };
  const api = async (p: string, init: RequestInit = {}): Promise<any> => {
    const res = await fetch(`${server}${p}`, init);
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${p}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const managedConfigMaps = async (): Promise<any[]> =>
    (await api('/api/v1/configmaps?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dlostromos')).items as any[];

  beforeAll(async () => {
    examples = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-examples-'));
    fs.cpSync(path.join(ROOT, 'templates'), examples, { recursive: true });
    dev = spawn(
      process.execPath,
      [
        LOSTROMOS_BIN,
        'dev',
        '--examples',
        examples,
        '--dashboard-port',
        String(await freePort()),
        // the default log format: `short`, one line per record
      ],
      {
        cwd: ROOT,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, REDIS_URL: '' },
      },
    );
    dev.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    dev.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    exited = new Promise((resolve) => dev.once('exit', (code) => resolve(code)));
    kubeconfig = await waitFor(() => line('kubeconfig'), { timeoutMs: 60_000, what: 'the kubeconfig line' });
    const kc = YAML.parse(fs.readFileSync(kubeconfig, 'utf8'));
    server = kc.clusters[0].cluster.server as string;
    await waitFor(() => /^Press Ctrl-C to stop everything\.$/m.test(out), {
      timeoutMs: 90_000,
      what: `the ready line; output:\n${out}`,
    });
  });

  afterAll(() => {
    if (dev?.pid && dev.exitCode === null) {
      try {
        process.kill(-dev.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(examples, { recursive: true, force: true });
  });

  it('prints the kubeconfig, dashboard and metrics lines, and a tour', () => {
    expect(fs.existsSync(kubeconfig)).toBe(true);
    expect(line('dashboard')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(line('metrics')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(out).toContain(`kubectl --kubeconfig ${kubeconfig} get configmaps,deployments -A`);
    expect(out).toMatch(/examples: characters \(3 sample CRs\), website \(\d+ sample CRs?\)/);
  });

  it('prints the useful lines first, before any log line of a role, and again after "ready:"', () => {
    const lines = out.split('\n');
    const firstRoleLine = lines.findIndex((l) => /^\[(watcher|worker-\d+|dashboard)\] /.test(l));
    const useful = [
      /^kubeconfig: \//,
      /^dashboard: http:/,
      /^dashboard login: admin \/ \S+$/,
      /^metrics: http:/,
      /^Tour \(in another terminal\):$/,
    ];
    for (const re of useful) {
      const at = lines.findIndex((l) => re.test(l));
      expect(at, `${re}\n${out}`).toBeGreaterThanOrEqual(0);
      expect(at, `${re} within the first 15 lines`).toBeLessThan(15);
    }
    const tourEnd = lines.findIndex((l) => /edit .*\*\.yaml: every CR re-renders live/.test(l));
    expect(
      firstRoleLine === -1 || firstRoleLine > tourEnd,
      `no role log line before the tour ends:\n${out}`,
    ).toBe(true);
    // …and again, all of them, after the ready line: the last screen of the start-up holds them.
    const ready = lines.findIndex((l) => l.startsWith('ready: '));
    expect(ready).toBeGreaterThan(tourEnd);
    const after = lines.slice(ready + 1);
    for (const re of [...useful, /^redis: /, /^examples: /, /^Press Ctrl-C to stop everything\.$/])
      expect(
        after.some((l) => re.test(l)),
        `${re} after ready:\n${out}`,
      ).toBe(true);
    // The block from "ready:" to its last line is written at once: no role line inside it (role lines
    // after the block are expected — the processes keep logging).
    const blockEnd = after.findIndex((l) => /^Press Ctrl-C to stop everything\.$/.test(l));
    expect(
      after.slice(0, blockEnd).some((l) => /^\[(watcher|worker-\d+|dashboard)\] /.test(l)),
      `a role line inside the ready block:\n${out}`,
    ).toBe(false);
  });

  it('keeps role logs to one line per record', async () => {
    const roleLine = /^\[(watcher|worker-\d+|dashboard)\] /;
    // A reconcile's record can come after the ready line: wait for one.
    await waitFor(() => /^\[worker-\d\] reconciled .*\bcr=\S+ .*\bapplied=\d+/m.test(out), {
      timeoutMs: 60_000,
      what: 'a reconciled line',
    });
    const roleLines = out.split('\n').filter((l) => roleLine.test(l));
    expect(roleLines.length).toBeGreaterThan(5);
    for (const l of roleLines) {
      const text = l.replace(roleLine, '');
      expect(text, l).not.toMatch(/^\s/); // no continuation lines (pino-pretty's indented fields)
      expect(text, l).not.toMatch(/^[{\]]/); // no raw JSON
      expect(text, l).not.toMatch(/\btime=|\bpid=|\bhostname=/);
    }
    expect(roleLines.some((l) => /^\[watcher\] started leading /.test(l))).toBe(true);
  });

  it('turns the sample CRs into objects and marks them Ready', async () => {
    const cms = await waitFor(
      async () => {
        const items = await managedConfigMaps();
        return items.some((c) => c.metadata.name === 'ripley-configmap') ? items : undefined;
      },
      { timeoutMs: 60_000, what: 'ripley-configmap' },
    );
    const ripley = cms.find((c) => c.metadata.name === 'ripley-configmap');
    expect(ripley.data).toMatchObject({ name: 'Ellen Ripley', from: 'Alien' });
    const crPath = '/apis/stable.nicolerenee.io/v1/namespaces/default/characters/ripley';
    await waitFor(
      async () => {
        const cr = await api(crPath);
        return (cr.status?.conditions ?? []).some(
          (c: any) => c.type === 'Ready' && c.status === 'True',
        ) as boolean;
      },
      { timeoutMs: 60_000, what: 'ripley Ready' },
    );
  });

  it('follows an edited CR', async () => {
    await api('/apis/stable.nicolerenee.io/v1/namespaces/default/characters/ripley', {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { By: 'Ridley Scott' } }),
    });
    await waitFor(
      async () =>
        (await api('/api/v1/namespaces/default/configmaps/ripley-configmap')).data?.by === 'Ridley Scott',
      { timeoutMs: 30_000, what: 'the ConfigMap to follow the CR' },
    );
  });

  it('applies template edits live', async () => {
    const file = path.join(examples, 'characters', 'configmap.yaml');
    fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8').trimEnd()}\n  edited: "yes"\n`);
    try {
      await waitFor(
        async () => {
          const cms = await managedConfigMaps();
          const ours = cms.filter((c) => c.metadata.name.endsWith('-configmap'));
          return ours.length >= 3 && ours.every((c) => c.data?.edited === 'yes');
        },
        { timeoutMs: 30_000, what: 'every character ConfigMap to gain the edited key' },
      );
    } catch (err) {
      // What `lostromos dev` said last (a fresh-clone CI once saw it gone at this step, exit code 1).
      throw new Error(
        `${(err as Error).message}\n--- lostromos dev output (last 40 lines) ---\n${out.split('\n').slice(-40).join('\n')}`,
        { cause: err },
      );
    }
  });

  it('protects the dashboard with the printed password and serves metrics', async () => {
    const url = line('dashboard');
    const [user, password] = /^dashboard login: (\S+) \/ (\S+)$/m.exec(out)!.slice(1);
    expect((await fetch(url)).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: `Basic ${btoa(`${user}:${password}`)}` } });
    expect(ok.status).toBe(200);
    const metrics = await (await fetch(line('metrics'))).text();
    expect(metrics).toContain('leader_election_master_status');
  });

  it('stops everything on Ctrl-C (SIGINT to the process group) and removes its temp files', async () => {
    const pgid = dev.pid!;
    process.kill(-pgid, 'SIGINT');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 8_000))]);
    expect(code).toBe(0);
    await waitFor(
      () => {
        try {
          process.kill(-pgid, 0);
          return false;
        } catch {
          return true; // ESRCH: no process left in the group
        }
      },
      { timeoutMs: 2_000, what: 'every process of the group to exit' },
    );
    expect(fs.existsSync(path.dirname(kubeconfig))).toBe(false);
    expect(out).toContain('stopped');
  });
});

describe('lostromos dev without Redis', () => {
  it('says how to install Redis and exits 1, leaving nothing behind', async () => {
    const proc = spawn(process.execPath, [LOSTROMOS_BIN, 'dev', '--examples', path.join(ROOT, 'templates')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A PATH with node but no redis-server, and no REDIS_URL.
      env: { ...process.env, PATH: path.dirname(process.execPath), REDIS_URL: '' },
    });
    let text = '';
    proc.stdout.on('data', (d: Buffer) => (text += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (text += d.toString()));
    const code = await new Promise((resolve) => proc.once('exit', resolve));
    expect(code).toBe(1);
    expect(text).toContain('redis-server was not found on PATH and REDIS_URL is not set');
    expect(text).toContain('sudo apt-get install redis-server');
    const kc = /^kubeconfig: (\S+)$/m.exec(text)?.[1];
    expect(kc && fs.existsSync(path.dirname(kc))).toBe(false);
  });
});
