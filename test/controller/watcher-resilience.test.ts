import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@lostromos/config';
import { createKubeClient, type KubeClient, type KubeObject } from '@lostromos/kube';
import { createLogger, createOperatorMetrics, HealthRegistry } from '@lostromos/observability';
import { createRedisConnection, CrQueueProducer } from '@lostromos/queue';
import { buildWatcher, type WatcherApp } from '@lostromos/watcher';
import { buildWorker, type WorkerApp } from '@lostromos/worker';
import type { Redis } from 'ioredis';
import { startRedis, waitFor, type TestRedis } from '../support/index.js';
import { startSubstrate, type Substrate } from '../support/substrate.ts';
import { FIXTURES } from './harness.js';

// The watcher and worker started in-process through build(deps): a resource whose CRD is missing and one the
// operator may not list are reported (log, metric, readiness detail) and retried, while the others work.

let sim: Substrate;
let redis: TestRedis;
let admin: KubeClient;
let operator: KubeClient;
let watcher: WatcherApp;
let worker: WorkerApp;
const conns: Redis[] = [];
const health = new HealthRegistry();
const metrics = createOperatorMetrics({ collectDefault: false });
const logLines: Array<Record<string, unknown>> = [];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lostromos-resilience-'));

const GOOD = `apiVersion: v1
kind: ConfigMap
metadata:
  name: 'draft-{{name}}'
data:
  title: '{{spec.title}}'
`;
const BROKEN = GOOD.replace('data:', 'data:\n  {{#if spec.title}}');
const ALL_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const crd = (plural: string, kind: string, group: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: 'Namespaced',
    names: { kind, plural, singular: kind.toLowerCase() },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
});
const post = (path: string, body: unknown) => admin.rest.request<KubeObject>({ method: 'POST', path, body });
const cm = async (name: string) =>
  admin.rest
    .request<KubeObject>({ method: 'GET', path: `/api/v1/namespaces/default/configmaps/${name}` })
    .then((r) => r.body)
    .catch(() => undefined);

beforeAll(async () => {
  sim = await startSubstrate({
    identities: {
      // Everything except listing/watching safes.vault.example.io.
      operator: [
        {
          verbs: ALL_VERBS,
          resources: ['*'],
          apiGroups: [
            '',
            'apps',
            'coordination.k8s.io',
            'events.k8s.io',
            'fleet.example.io',
            'ghost.example.io',
            'draft.example.io',
          ],
        },
        { verbs: ['get'], resources: ['safes'], apiGroups: ['vault.example.io'] },
      ],
    },
  });
  redis = await startRedis();
  await sim.writeKubeconfig(path.join(dir, 'admin'));
  await sim.writeKubeconfig(path.join(dir, 'operator'), { token: sim.token('operator') });
  admin = createKubeClient({ kubeconfig: path.join(dir, 'admin') });
  operator = createKubeClient({ kubeconfig: path.join(dir, 'operator') });
  const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  await post(crds, crd('ships', 'Ship', 'fleet.example.io'));
  await post(crds, crd('safes', 'Safe', 'vault.example.io'));
  await post(crds, crd('drafts', 'Draft', 'draft.example.io'));
  // A template folder that is broken when the worker starts (unclosed block).
  fs.mkdirSync(path.join(dir, 'drafts'));
  fs.writeFileSync(path.join(dir, 'drafts', 'configmap.yaml'), BROKEN);
  await waitFor(
    () => admin.rest.request({ method: 'GET', path: '/apis/vault.example.io/v1/safes' }).then(() => true),
    {
      what: 'CRDs served',
    },
  );
  const res = (name: string, group: string, plural: string, templates: string) =>
    `  - { name: ${name}, group: ${group}, version: v1, plural: ${plural}, templates: ${templates} }`;
  const config = parseConfig(
    `redis: { url: ${redis.url}, prefix: resil }
leaderElection: { leaseName: resil, leaseDurationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 1 }
worker: { lockDurationMs: 5000, shutdownGraceSeconds: 2 }
resources:
${res('ships', 'fleet.example.io', 'ships', path.join(FIXTURES, 'ships'))}
${res('ghosts', 'ghost.example.io', 'ghosts', path.join(FIXTURES, 'gadgets'))}
${res('safes', 'vault.example.io', 'safes', path.join(FIXTURES, 'gadgets'))}
${res('drafts', 'draft.example.io', 'drafts', path.join(dir, 'drafts'))}
`,
    { cwd: dir, env: {} },
  );
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => {
    for (const l of d.toString().split('\n'))
      if (l.startsWith('{')) logLines.push(JSON.parse(l) as Record<string, unknown>);
  });
  const logger = createLogger({ level: 'info', format: 'json', destination: sink });
  const pr = createRedisConnection({ url: redis.url }, 'producer');
  const wr = createRedisConnection({ url: redis.url }, 'worker');
  conns.push(pr, wr);
  const producer = new CrQueueProducer({
    connection: pr,
    prefix: 'resil',
    queues: config.resources.map((r) => r.name),
  });
  watcher = buildWatcher({
    config,
    logger,
    metrics,
    health,
    kube: operator,
    producer,
    producerRedis: pr,
    identity: 'w-1',
  });
  worker = buildWorker({
    config,
    logger,
    metrics,
    health,
    kube: operator,
    redis: wr,
    producer,
    identity: 'k-1',
  });
  await worker.start();
  await watcher.start();
});

afterAll(async () => {
  await watcher?.stop();
  await worker?.stop();
  await Promise.all(conns.map((c) => c.quit().catch(() => c.disconnect())));
  admin?.close();
  operator?.close();
  await redis?.stop();
  await sim?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('watcher resilience', () => {
  it('reports a missing CRD and a forbidden resource clearly, keeps the others working, and recovers by itself', async () => {
    await post('/apis/fleet.example.io/v1/namespaces/default/ships', {
      apiVersion: 'fleet.example.io/v1',
      kind: 'Ship',
      metadata: { name: 'ok' },
      spec: { captain: 'Fine', crew: 1 },
    });
    await waitFor(() => cm('ok-config'), { timeoutMs: 15_000, what: 'the healthy resource to work' });

    const checks = () => health.readiness().checks;
    await waitFor(
      () => checks()['resource:ghosts']?.ok === false && checks()['resource:safes']?.ok === false,
      {
        timeoutMs: 10_000,
        what: 'both broken resources reported',
      },
    );
    expect(checks()['resource:ghosts']?.detail).toMatch(
      /CRD for ghosts\.ghost\.example\.io\/v1 is not installed/,
    );
    expect(checks()['resource:safes']?.detail).toMatch(
      /forbidden to list\/watch safes\.vault\.example\.io.*grant get\/list\/watch/,
    );
    expect(health.readiness().ok).toBe(false);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/lostromos_resource_watch_up\{controller="ghosts"\} 0/);
    expect(text).toMatch(/lostromos_resource_watch_up\{controller="ships"\} 1/);
    expect(
      logLines.some((l) => l.msg === 'resource cannot be watched; retrying' && l.resource === 'ghosts'),
    ).toBe(true);

    // Installing the CRD is enough: the retry finds it and CRs of it are reconciled.
    await post(
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      crd('ghosts', 'Ghost', 'ghost.example.io'),
    );
    await waitFor(() => checks()['resource:ghosts']?.ok === true, {
      timeoutMs: 40_000,
      what: 'ghosts watched',
    });
    await waitFor(
      () =>
        post('/apis/ghost.example.io/v1/namespaces/default/ghosts', {
          apiVersion: 'ghost.example.io/v1',
          kind: 'Ghost',
          metadata: { name: 'casper' },
          spec: { size: 2 },
        }).then(() => true),
      { what: 'ghost created' },
    );
    await waitFor(() => cm('gadget-casper'), { timeoutMs: 15_000, what: 'the ghost reconciled' });
    expect(checks()['resource:safes']?.ok).toBe(false);
  });

  it('a worker started with broken templates reports the error on each CR and recovers when they are fixed', async () => {
    await post('/apis/draft.example.io/v1/namespaces/default/drafts', {
      apiVersion: 'draft.example.io/v1',
      kind: 'Draft',
      metadata: { name: 'd1' },
      spec: { title: 'First' },
    });
    const draft = async () =>
      (
        await admin.rest.request<KubeObject>({
          method: 'GET',
          path: '/apis/draft.example.io/v1/namespaces/default/drafts/d1',
        })
      ).body;
    const ready = async () =>
      (
        (await draft()).status as
          { conditions?: Array<{ type: string; status: string; message?: string }> } | undefined
      )?.conditions?.find((c) => c.type === 'Ready');
    await waitFor(async () => (await ready())?.status === 'False', {
      timeoutMs: 15_000,
      what: 'Ready=False on the CR',
    });
    expect((await ready())?.message).toMatch(/configmap\.yaml/);
    expect(await cm('draft-d1')).toBeUndefined();

    fs.writeFileSync(path.join(dir, 'drafts', 'configmap.yaml'), GOOD);
    await waitFor(() => cm('draft-d1'), { timeoutMs: 20_000, what: 'the CR reconciled after the fix' });
    await waitFor(async () => (await ready())?.status === 'True', { timeoutMs: 10_000, what: 'Ready=True' });
  });
});
