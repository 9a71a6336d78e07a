import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Informer, METADATA_LIST_ACCEPT, METADATA_WATCH_ACCEPT } from './informer.js';
import type { KubeObject } from './kube-object.js';
import { RestClient } from './rest-client.js';

// A scripted API server: list pages by `continue` token, one watch stream that sends `events` and stays open.
interface Seen {
  url: URL;
  accept: string | undefined;
}
let server: http.Server | undefined;
async function serve(o: {
  pages: Record<string, unknown>;
  events: unknown[];
}): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push({ url, accept: req.headers.accept });
    res.writeHead(200, { 'content-type': 'application/json' });
    if (url.searchParams.get('watch')) {
      // Only the first watch gets the events; a later one waits (the informer resumes after a closed stream).
      if (seen.filter((s) => s.url.searchParams.get('watch')).length === 1)
        for (const e of o.events) res.write(`${JSON.stringify(e)}\n`);
      return;
    }
    res.end(JSON.stringify(o.pages[url.searchParams.get('continue') ?? '']));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const partial = (name: string, rv: string, extra: Record<string, unknown> = {}) => ({
  kind: 'PartialObjectMetadata',
  apiVersion: 'meta.k8s.io/v1',
  metadata: { name, namespace: 'ns', uid: `u-${name}`, resourceVersion: rv, ...extra },
});

describe('Informer', () => {
  it('metadataOnly: lists and watches PartialObjectMetadata, restores apiVersion/kind, keeps what transform returns', async () => {
    const { url, seen } = await serve({
      pages: {
        '': {
          kind: 'PartialObjectMetadataList',
          apiVersion: 'meta.k8s.io/v1',
          metadata: { resourceVersion: '10', continue: 'p2' },
          items: [partial('a', '3', { labels: { x: '1' } }), partial('b', '4')],
        },
        p2: {
          kind: 'PartialObjectMetadataList',
          apiVersion: 'meta.k8s.io/v1',
          metadata: { resourceVersion: '10' },
          items: [partial('c', '5')],
        },
      },
      events: [
        { type: 'MODIFIED', object: partial('a', '11', { labels: { x: '2' } }) },
        { type: 'DELETED', object: partial('b', '12') },
        { type: 'BOOKMARK', object: { kind: 'PartialObjectMetadata', metadata: { resourceVersion: '13' } } },
      ],
    });
    const client = new RestClient({ server: url });
    const informer = new Informer({
      client,
      apiVersion: 'apps/v1',
      plural: 'deployments',
      namespace: 'ns',
      pageSize: 2,
      metadataOnly: { kind: 'Deployment' },
      transform: (o: KubeObject) => ({
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.metadata.name, resourceVersion: o.metadata.resourceVersion },
        x: o.metadata.labels?.x,
      }),
    });
    const seenEvents: string[] = [];
    informer.on('add', (o) => seenEvents.push(`add ${o.kind} ${o.metadata.name} x=${String(o.x)}`));
    informer.on('update', (o, old) =>
      seenEvents.push(
        `update ${o.apiVersion} ${o.kind} ${o.metadata.name} x=${String(old.x)}→${String(o.x)}`,
      ),
    );
    informer.on('delete', (o) =>
      seenEvents.push(`delete ${o.kind} ${o.metadata.name} ${Object.keys(o).join()}`),
    );
    informer.start();
    try {
      await until(() => seenEvents.length === 5, 'the list and the watch events');
      expect(seenEvents).toEqual([
        'add Deployment a x=1',
        'add Deployment b x=undefined',
        'add Deployment c x=undefined',
        'update apps/v1 Deployment a x=1→2',
        'delete Deployment b apiVersion,kind,metadata,x',
      ]);
      expect(informer.list()).toEqual([
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a', resourceVersion: '11' }, x: '2' },
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'c', resourceVersion: '5' },
          x: undefined,
        },
      ]);
      const lists = seen.filter((s) => !s.url.searchParams.get('watch'));
      expect(
        lists.map((s) => [s.accept, s.url.searchParams.get('limit'), s.url.searchParams.get('continue')]),
      ).toEqual([
        [METADATA_LIST_ACCEPT, '2', null],
        [METADATA_LIST_ACCEPT, '2', 'p2'],
      ]);
      const watch = seen.find((s) => s.url.searchParams.get('watch'));
      expect(watch?.accept).toBe(METADATA_WATCH_ACCEPT);
      expect(watch?.url.searchParams.get('resourceVersion')).toBe('10');
    } finally {
      await informer.stop();
      client.close();
    }
  });

  it('by default asks for whole objects and hands them on as sent, with the kind of list items restored', async () => {
    const { url, seen } = await serve({
      pages: {
        '': {
          kind: 'ConfigMapList',
          apiVersion: 'v1',
          metadata: { resourceVersion: '5' },
          items: [{ metadata: { name: 'a', namespace: 'ns', resourceVersion: '4' }, data: { k: 'v' } }],
        },
      },
      events: [
        {
          type: 'ADDED',
          object: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'b', resourceVersion: '6' },
            data: {},
          },
        },
      ],
    });
    const client = new RestClient({ server: url });
    const informer = new Informer({ client, apiVersion: 'v1', plural: 'configmaps', namespace: 'ns' });
    informer.start();
    try {
      await until(() => informer.list().length === 2, 'the list and the watch event');
      expect(informer.get('ns/a')).toEqual({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'a', namespace: 'ns', resourceVersion: '4' },
        data: { k: 'v' },
      });
      expect(informer.get('b')?.data).toEqual({});
      expect(seen.map((s) => s.accept)).toEqual(['application/json', 'application/json']);
      expect(seen[0]?.url.searchParams.get('limit')).toBe('500');
    } finally {
      await informer.stop();
      client.close();
    }
  });
});
