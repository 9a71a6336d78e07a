import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { condition, FIXTURES, ship, startHarness, type Harness } from '../controller/harness.js';

// Every template revision a worker loads is stored in Redis (files and values, content-addressed), every CR's
// status says which revision its objects come from, and the annotation lostromos.io/template-revision pins
// one CR to a stored revision: it renders with that one, whatever the workers' files say now. A pin that
// names no stored revision stops that CR with a clear condition and Event, and touches none of its objects.

let h: Harness;
let redis: Redis;

const cm = async (name: string) => h.get('v1', 'configmaps', 'default', `${name}-config`);
const shipObj = async (name: string) => h.get('fleet.example.io/v1', 'ships', 'default', name);
const revisionOf = async (name: string): Promise<string | undefined> =>
  ((await shipObj(name))?.status as { templateRevision?: string } | undefined)?.templateRevision;
const history = async (): Promise<string[]> => redis.zrange('pins:_templates:ships', '0', '-1', 'REV');

beforeAll(async () => {
  h = await startHarness({ prefix: 'pins', resyncSeconds: 0 });
  await h.kubectl('apply', '-f', path.join(FIXTURES, 'crds.yaml'));
  redis = new Redis(h.redis.url);
  await h.start('watcher');
  await h.start('worker');
  for (const name of ['one', 'two']) await h.apply(ship(name, { captain: name, crew: 3 }));
});

afterAll(async () => {
  redis?.disconnect();
  await h?.close();
});

describe('template revisions: stored, shown on every CR, and a CR can be pinned to one', () => {
  let first = '';
  let second = '';

  it('the worker stores the revision it loaded (files and values) and every CR shows it in status.templateRevision', async () => {
    const [stored] = await waitFor(async () => ((await history()).length === 1 ? history() : undefined), {
      timeoutMs: 20_000,
      what: 'the first revision in the template store',
    });
    first = stored!;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    const snapshot = JSON.parse((await redis.get(`pins:_templates:ships:${first}`))!) as {
      engine: string;
      files: Array<[string, string]>;
    };
    expect(snapshot.engine).toBe('handlebars');
    expect(snapshot.files.map(([p]) => p)).toEqual(['configmap.yaml', 'logbook.yaml']);
    for (const name of ['one', 'two'])
      await waitFor(async () => (await revisionOf(name)) === first.slice(0, 12), {
        timeoutMs: 30_000,
        what: `${name}: status.templateRevision`,
      });
  });

  it('a template edit is a new revision; every CR moves to it (no staged rollout configured)', async () => {
    const file = path.join(h.templates, 'ships', 'configmap.yaml');
    fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8').trimEnd()}\n  edited: "yes"\n`);
    await waitFor(async () => ((await history()).length === 2 ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the second revision in the template store',
    });
    second = (await history())[0]!;
    expect((await history())[1]).toBe(first);
    for (const name of ['one', 'two']) {
      await waitFor(
        async () =>
          (await revisionOf(name)) === second.slice(0, 12) &&
          ((await cm(name))?.data as Record<string, string>).edited === 'yes',
        { timeoutMs: 30_000, what: `${name} on the edited revision` },
      );
    }
  });

  it('pinned to the first revision, one CR renders with it again; the other stays on the newest', async () => {
    await h.kubectl('annotate', 'ship', 'one', `lostromos.io/template-revision=${first.slice(0, 12)}`);
    await waitFor(
      async () =>
        (await revisionOf('one')) === first.slice(0, 12) &&
        ((await cm('one'))?.data as Record<string, string>).edited === undefined,
      { timeoutMs: 30_000, what: 'one back on the pinned revision' },
    );
    expect(await revisionOf('two')).toBe(second.slice(0, 12));
    expect(((await cm('two'))?.data as Record<string, string>).edited).toBe('yes');
  });

  it('a pin that names no stored revision: UnknownTemplateRevision condition and Event, objects untouched', async () => {
    const before = (await cm('one'))!.metadata.resourceVersion;
    await h.kubectl('annotate', '--overwrite', 'ship', 'one', 'lostromos.io/template-revision=0123456789ab');
    const ready = await waitFor(
      async () => {
        const c = condition(await shipObj('one'), 'Reconciled');
        return c?.reason === 'UnknownTemplateRevision' ? c : undefined;
      },
      { timeoutMs: 30_000, what: 'the UnknownTemplateRevision condition' },
    );
    expect(ready.status).toBe('False');
    expect(ready.message).toContain(
      `annotation lostromos.io/template-revision="0123456789ab" names no stored template revision of resource ships (stored revisions, newest first: ${second.slice(0, 12)}, ${first.slice(0, 12)})`,
    );
    const events = await waitFor(
      async () => {
        const out = await h.kubectl(
          'get',
          'events',
          '--field-selector',
          'involvedObject.name=one',
          '-o',
          'json',
        );
        const items = (JSON.parse(out) as { items: Array<{ reason: string; type: string }> }).items;
        return items.some((e) => e.reason === 'UnknownTemplateRevision') ? items : undefined;
      },
      { timeoutMs: 20_000, what: 'the Warning Event' },
    );
    expect(events.find((e) => e.reason === 'UnknownTemplateRevision')?.type).toBe('Warning');
    expect((await cm('one'))!.metadata.resourceVersion).toBe(before);
    expect(await revisionOf('one')).toBe(first.slice(0, 12));
  });

  it('without the pin the CR follows the newest revision again', async () => {
    await h.kubectl('annotate', 'ship', 'one', 'lostromos.io/template-revision-');
    await waitFor(
      async () =>
        (await revisionOf('one')) === second.slice(0, 12) &&
        condition(await shipObj('one'), 'Reconciled')?.status === 'True',
      { timeoutMs: 30_000, what: 'one back on the newest revision' },
    );
  });
});
