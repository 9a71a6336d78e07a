import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './http-io.js';
import type { ObjectApi, Scope } from './object-api.js';
import type { ObjectStore } from './object-store.js';
import { apiVersionOf } from './resource-info.js';
import type { FieldRequirement, LabelRequirement } from './selectors.js';
import { ApiError, errors } from './status-error.js';
import { toPartialObjectMetadata } from './partial-metadata.js';
import { toTable } from './table.js';
import type { KubeObject } from './types.js';
import { TooOldResourceVersionError, type WatchEncoder, type WatchHub, type Watcher } from './watch-hub.js';

export interface WatchRequest {
  labels: readonly LabelRequirement[];
  fields: readonly FieldRequirement[];
  resourceVersion?: string;
  resourceVersionMatch?: string;
  allowBookmarks: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
  table: boolean;
  includeObject?: string;
  /** meta.k8s.io version of a metadata-only watch (`as=PartialObjectMetadata`). */
  partialMetadata?: string;
}

/** A watch stream stops buffering for a client that stopped reading once this much is queued. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** The apiserver's --min-request-timeout; watches without timeoutSeconds end after 1-2× this. */
const MIN_REQUEST_TIMEOUT_S = 1800;

function jsonEncoder(apiVersion: string): WatchEncoder {
  const prefix: Record<string, string> = {};
  for (const t of ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'])
    prefix[t] = `{"type":"${t}","object":`;
  return {
    key: `json:${apiVersion}`,
    encode(type, obj) {
      const o: KubeObject =
        obj.apiVersion === apiVersion || type === 'BOOKMARK' ? obj : { ...obj, apiVersion };
      return Buffer.from(`${prefix[type]}${JSON.stringify(o)}}\n`);
    },
  };
}

/** Every object as PartialObjectMetadata, bookmarks included (their kind is set where the watcher is added). */
function partialMetadataEncoder(version: string): WatchEncoder {
  return {
    key: `meta:${version}`,
    encode(type, obj) {
      const o = type === 'BOOKMARK' ? obj : toPartialObjectMetadata(obj, version);
      return Buffer.from(`{"type":"${type}","object":${JSON.stringify(o)}}\n`);
    },
  };
}

let tableWatchers = 0;

function tableEncoder(scope: Scope, includeObject: string | undefined): WatchEncoder {
  let first = true;
  return {
    key: `table:${++tableWatchers}`,
    encode(type, obj) {
      if (type === 'BOOKMARK') return Buffer.from(`{"type":"BOOKMARK","object":${JSON.stringify(obj)}}\n`);
      const table = toTable(scope.info, [obj], {
        resourceVersion: obj.metadata.resourceVersion,
        includeObject,
      });
      if (!first) table.columnDefinitions = [];
      first = false;
      return Buffer.from(`{"type":"${type}","object":${JSON.stringify(table)}}\n`);
    },
  };
}

/** Serves `?watch=true`: initial state or replay from a resourceVersion, then live events, bookmarks, timeout. */
export class WatchHandler {
  private readonly streams = new Set<ServerResponse>();

  constructor(private readonly d: { hub: WatchHub; api: ObjectApi; store: ObjectStore }) {}

  start(req: IncomingMessage, res: ServerResponse, scope: Scope, w: WatchRequest): void {
    const { hub, store } = this.d;
    const { info } = scope;
    const apiVersion = apiVersionOf(info.group, scope.version);
    const filter = {
      storageKey: info.storageKey,
      namespace: info.namespaced && scope.namespace ? scope.namespace : undefined,
      labels: w.labels,
      fields: w.fields,
    };
    const rvParam = w.resourceVersion ?? '';
    const current = store.resourceVersion;
    let fromRv: number | undefined;
    if (rvParam !== '' && rvParam !== '0') {
      if (!/^\d+$/.test(rvParam))
        return sendError(res, errors.badRequest(`invalid resourceVersion: ${rvParam}`));
      fromRv = Number(rvParam);
      if (fromRv > current) return sendError(res, errors.tooLargeResourceVersion(rvParam, String(current)));
    }
    if (w.sendInitialEvents === true && w.resourceVersionMatch !== 'NotOlderThan')
      return sendError(
        res,
        new ApiError(
          422,
          'Invalid',
          'sendInitialEvents: Forbidden: sendInitialEvents is forbidden unless resourceVersionMatch is set to NotOlderThan',
          { causes: [{ reason: 'FieldValueForbidden', field: 'sendInitialEvents' }] },
        ),
      );
    if (w.sendInitialEvents === true && !w.allowBookmarks)
      return sendError(
        res,
        new ApiError(
          422,
          'Invalid',
          'allowWatchBookmarks: Required value: allowWatchBookmarks must be true when sendInitialEvents is set',
          { causes: [{ reason: 'FieldValueRequired', field: 'allowWatchBookmarks' }] },
        ),
      );

    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);

    const encoder = w.partialMetadata
      ? partialMetadataEncoder(w.partialMetadata)
      : w.table
        ? tableEncoder(scope, w.includeObject)
        : jsonEncoder(apiVersion);
    const initial: Buffer[] = [];
    const initialEvents = w.sendInitialEvents ?? fromRv === undefined;
    if (fromRv !== undefined && w.sendInitialEvents !== true) {
      try {
        for (const e of hub.since(fromRv, filter)) {
          const type = hub.eventFor(filter, e);
          if (type) initial.push(encoder.encode(type, e.object));
        }
      } catch (err) {
        if (!(err instanceof TooOldResourceVersionError)) throw err;
        const status = errors.gone(err.message).toStatus();
        res.end(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
        return;
      }
    } else if (initialEvents) {
      for (const o of this.d.api.list(scope, { labels: w.labels, fields: w.fields }).items)
        initial.push(encoder.encode('ADDED', o));
    }

    const watcher: Watcher = hub.add({
      ...filter,
      encoder,
      bookmarks: w.allowBookmarks,
      bookmarkKind: w.partialMetadata
        ? { apiVersion: `meta.k8s.io/${w.partialMetadata}`, kind: 'PartialObjectMetadata' }
        : { apiVersion, kind: info.kind },
      sink: {
        write: (chunk) => {
          if (res.writableEnded || res.destroyed) return;
          res.write(chunk);
          if (res.writableLength > MAX_BUFFERED_BYTES) close();
        },
        close: () => close(),
      },
    });
    this.streams.add(res);
    const close = (abrupt = false): void => {
      hub.remove(watcher);
      clearTimeout(timer);
      this.streams.delete(res);
      if (abrupt) res.destroy();
      else if (!res.writableEnded && !res.destroyed) res.end();
    };
    for (const b of initial) hub.send(watcher, b);
    if (w.sendInitialEvents === true)
      hub.send(watcher, hub.bookmark(watcher, current, { 'k8s.io/initial-events-end': 'true' }));
    const timeoutS =
      w.timeoutSeconds && w.timeoutSeconds > 0
        ? w.timeoutSeconds
        : MIN_REQUEST_TIMEOUT_S * (1 + Math.random());
    const timer: NodeJS.Timeout = setTimeout(() => {
      if (w.allowBookmarks) res.write(hub.bookmark(watcher, store.resourceVersion));
      close();
    }, timeoutS * 1000);
    timer.unref();
    req.on('close', () => close());
    res.on('error', () => close());
  }

  /** Ends every stream; `abrupt` resets the TCP connection instead of ending the chunked response. */
  dropAll(abrupt: boolean): void {
    if (abrupt) for (const r of this.streams) r.destroy();
    this.d.hub.dropAll();
    this.streams.clear();
  }

  get openStreams(): number {
    return this.streams.size;
  }
}
