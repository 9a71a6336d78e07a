// The real control plane harness itself: it starts, serves its real version, its kubeconfig works with
// kubectl, RBAC is enforced, the controllers run (namespace, service-account, garbage collector, workloads
// with the node agent), a second instance runs beside it, and stopping leaves no process or folder behind.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildControlPlane, pinnedVersion, FAMILIES } from './build.ts';
import { startControlPlane, sweepStaleDirs, type ControlPlane } from './control-plane.ts';
import { ControlPlaneError } from './errors.ts';
import { createIdentity } from '../support/substrate.ts';
import { waitFor } from '../support/ports.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

/** A file's text, or '' when it (or its folder, swept by a concurrent test process) is gone. */
function readIfThere(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('real control plane', () => {
  let cp: ControlPlane;
  let dir: string;
  let kubeconfig: string;
  const kubectl = async (...args: string[]): Promise<string> =>
    (await run('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 })).stdout;

  beforeAll(async () => {
    cp = await startControlPlane();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-test-'));
    kubeconfig = path.join(dir, 'admin.kubeconfig');
    await cp.writeKubeconfig(kubeconfig);
  });
  afterAll(async () => {
    await cp?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the pinned Kubernetes version, seen by kubectl', async () => {
    const pinned = pinnedVersion(FAMILIES.find((f) => f.name === 'kube')!);
    expect(cp.version).toBe(pinned);
    const v = JSON.parse(await kubectl('version', '-o', 'json')) as {
      serverVersion: { gitVersion: string; major: string };
    };
    expect(v.serverVersion.gitVersion).toBe(pinned);
    expect(v.serverVersion.major).toBe('1');
    console.log(`real control plane: kube-apiserver ${cp.version}, etcd ${cp.etcdVersion} at ${cp.url}`);
  });

  it('runs the namespace and service-account controllers', async () => {
    await kubectl('create', 'namespace', 'cp-test');
    await waitFor(
      async () =>
        (await kubectl('get', 'serviceaccount', '-n', 'cp-test', '-o', 'name')).includes(
          'serviceaccount/default',
        ),
      {
        timeoutMs: 30_000,
        what: 'default ServiceAccount in cp-test',
      },
    );
    await kubectl('delete', 'namespace', 'cp-test', '--wait=true', '--timeout=60s');
    expect(await kubectl('get', 'namespace', 'cp-test', '--ignore-not-found', '-o', 'name')).toBe('');
  });

  it('collects garbage: a ConfigMap owned by a deleted ConfigMap goes away', async () => {
    await kubectl('create', 'configmap', 'gc-owner');
    const uid = (await kubectl('get', 'configmap', 'gc-owner', '-o', 'jsonpath={.metadata.uid}')).trim();
    const dependent = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'gc-dependent',
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'gc-owner', uid }],
      },
    };
    fs.writeFileSync(path.join(dir, 'dep.json'), JSON.stringify(dependent));
    await kubectl('apply', '-f', path.join(dir, 'dep.json'));
    await kubectl('delete', 'configmap', 'gc-owner');
    await waitFor(
      async () =>
        (await kubectl('get', 'configmap', 'gc-dependent', '--ignore-not-found', '-o', 'name')) === '',
      {
        timeoutMs: 60_000,
        what: 'the garbage collector to delete gc-dependent',
      },
    );
  });

  it('makes a Deployment Available through the real controllers and the node agent', async () => {
    await kubectl('create', 'deployment', 'web', '--image=nginx', '--replicas=2');
    await kubectl('rollout', 'status', 'deployment/web', '--timeout=60s');
    const d = JSON.parse(await kubectl('get', 'deployment', 'web', '-o', 'json')) as {
      status: { availableReplicas: number };
    };
    expect(d.status.availableReplicas).toBe(2);
    await cp.nodeAgent!.markUnready(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' },
      'unready',
    );
    await waitFor(
      async () => {
        const s = JSON.parse(await kubectl('get', 'deployment', 'web', '-o', 'json')) as {
          status: { availableReplicas?: number };
        };
        return (s.status.availableReplicas ?? 0) === 0;
      },
      { timeoutMs: 30_000, what: 'web to become unavailable' },
    );
    await kubectl('delete', 'deployment', 'web', '--wait=true', '--timeout=60s');
  });

  it('enforces RBAC for a token bound to narrow rules', async () => {
    const token = await createIdentity(cp, 'reader', [
      { verbs: ['get', 'list'], resources: ['configmaps'], apiGroups: [''], namespaces: ['default'] },
    ]);
    const kc = path.join(dir, 'reader.kubeconfig');
    await cp.writeKubeconfig(kc, { token });
    const ok = await run('kubectl', ['--kubeconfig', kc, 'get', 'configmaps', '-n', 'default', '-o', 'name']);
    expect(ok.stdout).toContain('configmap/kube-root-ca.crt');
    await expect(run('kubectl', ['--kubeconfig', kc, 'get', 'secrets', '-n', 'default'])).rejects.toThrow(
      /forbidden/i,
    );
    await expect(
      run('kubectl', ['--kubeconfig', kc, 'get', 'configmaps', '-n', 'kube-system']),
    ).rejects.toThrow(/forbidden/i);
  });

  it('runs a second instance in parallel on other ports', async () => {
    const other = await startControlPlane();
    try {
      expect(other.url).not.toBe(cp.url);
      const ns = await other.request<{ items: unknown[] }>('GET', '/api/v1/namespaces');
      expect(ns.status).toBe(200);
      // Separate etcd: an object in one is not in the other.
      await cp.request('POST', '/api/v1/namespaces/default/configmaps', {
        metadata: { name: 'only-in-first' },
      });
      expect((await other.request('GET', '/api/v1/namespaces/default/configmaps/only-in-first')).status).toBe(
        404,
      );
    } finally {
      const pids = other.pids();
      const dirs = [other.dir];
      await other.stop();
      for (const pid of pids) expect(processAlive(pid)).toBe(false);
      for (const d of dirs) expect(fs.existsSync(d)).toBe(false);
    }
  });
});

describe('control plane lifecycle', () => {
  it('`up` prints the ready line, writes a kubeconfig kubectl can use, and stops everything on SIGTERM', async () => {
    await buildControlPlane({ log: () => undefined });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cp-up-'));
    const kc = path.join(dir, 'kubeconfig');
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'test/control-plane/cli.ts'), 'up', '--kubeconfig-out', kc],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const line = await waitFor(() => /control plane ready: (https:\/\/127\.0\.0\.1:\d+)/.exec(out), {
        timeoutMs: 120_000,
        what: `the ready line (output so far: ${out})`,
      });
      const ns = await run('kubectl', ['--kubeconfig', kc, 'get', 'namespaces', '-o', 'name']);
      expect(ns.stdout).toContain('namespace/kube-system');
      const cfg = fs.readFileSync(kc, 'utf8');
      expect(cfg).toContain(`server: ${line[1]}`);
      // Only this control plane's folders (owner.pid = the CLI): other suites start their own in parallel.
      const mine = ['/dev/shm', os.tmpdir()].flatMap((base) =>
        fs
          .readdirSync(base)
          .filter((d) => d.startsWith('lostromos-cp-'))
          .map((d) => path.join(base, d))
          .filter(
            (d) =>
              fs.readFileSync(path.join(d, 'owner.pid'), { encoding: 'utf8', flag: 'a+' }) ===
              String(child.pid),
          ),
      );
      expect(mine.length).toBeGreaterThanOrEqual(2); // the run folder and etcd's data folder
      const childPids = (await run('pgrep', ['-P', String(child.pid)]).catch(() => ({ stdout: '' }))).stdout
        .split('\n')
        .filter(Boolean)
        .map(Number);
      expect(childPids.length).toBeGreaterThanOrEqual(3);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const pid of childPids) expect(processAlive(pid)).toBe(false);
      for (const d of mine) expect(fs.existsSync(d)).toBe(false);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves no process behind when its owner is killed with SIGKILL, and the next start sweeps its folders', async () => {
    const child = spawn(process.execPath, [path.join(ROOT, 'test/control-plane/cli.ts'), 'up'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    await waitFor(() => out.includes('control plane ready:'), { timeoutMs: 120_000, what: 'the ready line' });
    const pids = (await run('pgrep', ['-P', String(child.pid)])).stdout
      .split('\n')
      .filter(Boolean)
      .map(Number);
    const owned = (base: string): string[] =>
      fs
        .readdirSync(base)
        .filter(
          (d) =>
            d.startsWith('lostromos-cp-') &&
            readIfThere(path.join(base, d, 'owner.pid')) === String(child.pid),
        );
    expect(owned(os.tmpdir()).length).toBe(1);
    child.kill('SIGKILL');
    await exited;
    await waitFor(() => pids.every((p) => !processAlive(p)), {
      timeoutMs: 10_000,
      what: 'the components to die with their owner',
    });
    // The sweep every start runs removes the dead owner's folder — this one, or one a concurrent test process
    // ran first when it started its own control plane (CI runs two test files at once): either way it is gone.
    const removed = sweepStaleDirs();
    expect(owned(os.tmpdir())).toEqual([]);
    expect(removed.every((d) => !fs.existsSync(d))).toBe(true);
  });

  it('says what to install when Go is missing', async () => {
    await expect(buildControlPlane({ go: '/nonexistent/go', log: () => undefined })).rejects.toThrow(
      /Go is needed.*Install Go >= 1\.26/s,
    );
    await expect(buildControlPlane({ go: '/nonexistent/go', log: () => undefined })).rejects.toBeInstanceOf(
      ControlPlaneError,
    );
  });

  it('names a taken port and how to fix it, leaving nothing behind', async () => {
    const net = await import('node:net');
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      await expect(startControlPlane({ port })).rejects.toThrow(
        new RegExp(`port ${port} on 127\\.0\\.0\\.1 is taken.*choose another port`, 's'),
      );
    } finally {
      srv.close();
    }
  });

  it('names the component, its log and the cause when it cannot become ready', async () => {
    const binaries = await buildControlPlane({ log: () => undefined });
    // etcd given a data dir it cannot use: a file where its folder should be.
    const fakeEtcd = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cp-bad-')), 'etcd');
    fs.writeFileSync(
      fakeEtcd,
      '#!/bin/sh\necho "etcd: cannot listen: address already in use" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    // Folders of this process only: other suites start control planes in parallel.
    const ownDirs = (): string[] =>
      ['/dev/shm', os.tmpdir()].flatMap((base) =>
        fs
          .readdirSync(base)
          .filter((d) => d.startsWith('lostromos-cp-'))
          .filter(
            (d) =>
              fs.readFileSync(path.join(base, d, 'owner.pid'), { encoding: 'utf8', flag: 'a+' }) ===
              String(process.pid),
          )
          .map((d) => path.join(base, d)),
      );
    const before = ownDirs();
    await expect(startControlPlane({ binaries: { ...binaries, etcd: fakeEtcd } })).rejects.toThrow(
      /etcd exited \(code 1\) before healthy.*address already in use/s,
    );
    const after = ownDirs();
    expect(after.filter((d) => !before.includes(d))).toEqual([]);
    fs.rmSync(path.dirname(fakeEtcd), { recursive: true, force: true });
  });
});
