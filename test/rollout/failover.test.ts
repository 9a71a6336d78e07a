import fs from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '@lostromos/kube';
import { Redis } from 'ioredis';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, startHarness, type Harness, type RoleHandle } from '../controller/harness.js';
import { waitFor } from '../support/index.js';

// The rollout's state lives in Redis, not in the leader: when the leading watcher is killed in the middle of a
// rollout, the watcher that takes its Lease continues from the wave it was in — no wave starts twice, none is
// skipped — and the rollout completes.

const N = 24;
const name = (i: number): string => `ship-${String(i).padStart(2, '0')}`;
const CONFIGMAP = (revision: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: '{{name}}-config'
data:
  revision: '${revision}'
`;

let h: Harness;
let redis: Redis;
const watchers: RoleHandle[] = [];

interface State {
  phase: string;
  wave: number;
  stable: string;
  target: string;
  history: Array<{ message: string }>;
}
const state = async (): Promise<State | undefined> => {
  const json = await redis.get('failover:_rollout:ships');
  return json ? (JSON.parse(json) as State) : undefined;
};
const revisionsOfShips = async (): Promise<Array<string | undefined>> =>
  (await h.list('fleet.example.io/v1', 'ships', 'default')).map(
    (cr: KubeObject) => (cr.status as { templateRevision?: string } | undefined)?.templateRevision,
  );
const leading = async (w: RoleHandle): Promise<boolean> => {
  const res = await fetch(`http://127.0.0.1:${w.port}/status`).catch(() => undefined);
  const body = (await res?.json().catch(() => undefined)) as { watcher?: { isLeader?: boolean } } | undefined;
  return body?.watcher?.isLeader === true;
};

beforeAll(async () => {
  h = await startHarness({ prefix: 'failover', resyncSeconds: 0 });
  const config = fs.readFileSync(h.configFile, 'utf8');
  fs.writeFileSync(
    h.configFile,
    config.replace(
      `templates: ${path.join(h.templates, 'ships')}\n`,
      `templates: ${path.join(h.templates, 'ships')}\n    rollout: { batchSize: 6, pauseSeconds: 4, maxFailures: 0, readinessTimeoutSeconds: 120 }\n`,
    ),
  );
  const folder = path.join(h.templates, 'ships');
  for (const f of fs.readdirSync(folder)) fs.rmSync(path.join(folder, f));
  fs.writeFileSync(path.join(folder, 'configmap.yaml'), CONFIGMAP('one'));
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  redis = new Redis(h.redis.url);
  watchers.push(await h.start('watcher'), await h.start('watcher'));
  await h.start('worker');
  const items = Array.from({ length: N }, (_, i) => ({
    apiVersion: 'fleet.example.io/v1',
    kind: 'Ship',
    metadata: { name: name(i), namespace: 'default' },
    spec: { captain: `captain ${i}` },
  }));
  await h.apply(items.map((o) => YAML.stringify(o)).join('\n---\n'));
}, 300_000);

afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

describe('leader failover in the middle of a rollout', () => {
  it('the next leader continues from the wave the rollout was in, and completes it', async () => {
    const one = await waitFor(async () => (await state())?.stable, {
      timeoutMs: 60_000,
      what: 'the rollout state',
    });
    await waitFor(async () => (await revisionsOfShips()).filter((r) => r === one.slice(0, 12)).length === N, {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'every ship on the first revision',
    });
    fs.writeFileSync(path.join(h.templates, 'ships', 'configmap.yaml'), CONFIGMAP('two'));
    await waitFor(async () => (await state())?.wave === 2, {
      timeoutMs: 120_000,
      intervalMs: 200,
      what: 'wave 2',
    });
    const leader = await waitFor(
      async () => {
        for (const w of watchers) if (await leading(w)) return w;
        return undefined;
      },
      { timeoutMs: 20_000, what: 'the leading watcher' },
    );
    await leader.kill();
    const survivor = watchers.find((w) => w !== leader)!;
    const done = await waitFor(
      async () => {
        const s = await state();
        return s?.phase === 'idle' && s.stable !== one ? s : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500, what: 'the rollout to complete under the new leader' },
    );
    expect(survivor.logs().some((l) => l.msg === 'started leading')).toBe(true);
    const two = done.stable.slice(0, 12);
    expect(await revisionsOfShips()).toEqual(Array.from({ length: N }, () => two));
    for (const cm of await h.list('v1', 'configmaps', 'default', 'lostromos.io/resource=ships'))
      expect((cm.data as Record<string, string>).revision).toBe('two');
    // Every wave started exactly once, in order, across the two leaders.
    const waves = done.history.map((e) => e.message).filter((m) => /^wave \d+:/.test(m));
    expect(waves.map((m) => m.split(':')[0])).toEqual(['wave 1', 'wave 2', 'wave 3', 'wave 4']);
    expect(done.history.map((e) => e.message).filter((m) => m.includes('started')).length).toBe(1);
  });
});
