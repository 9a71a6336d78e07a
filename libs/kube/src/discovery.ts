import { KubeApiError, ResourceNotServedError } from './errors.js';
import { groupVersionPath } from './resource-path.js';
import type { RestClient } from './rest-client.js';

/** One served resource of a group/version, as discovery reports it. */
export interface ApiResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

interface ApiResourceList {
  resources?: Array<{ name: string; kind: string; namespaced: boolean }>;
}

interface Entry {
  resources: ApiResourceInfo[] | undefined;
  fetchedAt: number;
  pending?: Promise<ApiResourceInfo[] | undefined>;
}

export interface DiscoveryOptions {
  /** A miss refreshes the group/version, but not more often than this (default 1000 ms). */
  minRefreshMs?: number;
  now?: () => number;
}

/**
 * Maps kinds and plurals to served resources through the discovery endpoints (/api/v1, /apis/<g>/<v>), cached
 * per group/version and refreshed on a miss (so a CRD installed after start is found), never more often than
 * `minRefreshMs`. Unknown group/versions and kinds raise {@link ResourceNotServedError}.
 */
export class Discovery {
  private readonly cache = new Map<string, Entry>();
  private readonly minRefreshMs: number;
  private readonly now: () => number;

  constructor(
    private readonly client: RestClient,
    opts: DiscoveryOptions = {},
  ) {
    this.minRefreshMs = opts.minRefreshMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  async resolveKind(apiVersion: string, kind: string): Promise<ApiResourceInfo> {
    return this.find(apiVersion, (r) => r.kind === kind, `kind ${kind}`);
  }

  async resolvePlural(apiVersion: string, plural: string): Promise<ApiResourceInfo> {
    return this.find(apiVersion, (r) => r.plural === plural, `resource ${plural}`);
  }

  /** Forgets everything (e.g. after a CRD was installed or removed). */
  invalidate(): void {
    this.cache.clear();
  }

  private async find(
    apiVersion: string,
    match: (r: ApiResourceInfo) => boolean,
    what: string,
  ): Promise<ApiResourceInfo> {
    let entry = this.cache.get(apiVersion);
    let hit = entry?.resources?.find(match);
    if (hit) return hit;
    if (!entry || this.now() - entry.fetchedAt >= this.minRefreshMs) {
      await this.refresh(apiVersion);
      entry = this.cache.get(apiVersion);
      hit = entry?.resources?.find(match);
      if (hit) return hit;
    }
    throw new ResourceNotServedError(apiVersion, what);
  }

  private async refresh(apiVersion: string): Promise<void> {
    const existing = this.cache.get(apiVersion);
    if (existing?.pending) {
      await existing.pending;
      return;
    }
    const pending = this.fetch(apiVersion);
    const entry: Entry = { resources: existing?.resources, fetchedAt: existing?.fetchedAt ?? 0, pending };
    this.cache.set(apiVersion, entry);
    try {
      entry.resources = await pending;
      entry.fetchedAt = this.now();
    } finally {
      delete entry.pending;
    }
  }

  private async fetch(apiVersion: string): Promise<ApiResourceInfo[] | undefined> {
    try {
      const res = await this.client.request<ApiResourceList>({
        method: 'GET',
        path: groupVersionPath(apiVersion),
        verb: 'discovery',
      });
      return (res.body.resources ?? [])
        .filter((r) => !r.name.includes('/'))
        .map((r) => ({ apiVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced }));
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }
}
