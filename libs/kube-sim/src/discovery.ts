import type { ResourceRegistry } from './resource-registry.js';
import { apiVersionOf, type ResourceInfo } from './resource-info.js';
import type { JsonObject } from './types.js';

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** Whether the Accept header asks for aggregated discovery; returns the version to answer with. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const p = part.replace(/\s+/g, '');
    if (!p.includes('as=APIGroupDiscoveryList') || !p.includes('g=apidiscovery.k8s.io')) continue;
    if (p.includes('v=v2beta1')) return 'v2beta1';
    if (p.includes('v=v2;') || p.endsWith('v=v2')) return 'v2';
  }
  return undefined;
}

export function versionInfo(): JsonObject {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0-lostromos-sim',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

function sortedGroups(registry: ResourceRegistry): [string, Map<string, ResourceInfo[]>][] {
  return [...registry.groups()].sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
}

function preferredVersion(versions: Map<string, ResourceInfo[]>): string {
  // The first version any resource lists first is preferred (built-ins have one version).
  for (const list of versions.values()) for (const r of list) return r.versions[0]!;
  return [...versions.keys()][0]!;
}

/** `/api`: the legacy core group's versions. */
export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(name: string, versions: Map<string, ResourceInfo[]>): JsonObject {
  const pref = preferredVersion(versions);
  const ordered = [pref, ...[...versions.keys()].filter((v) => v !== pref)];
  return {
    name,
    versions: ordered.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
    preferredVersion: { groupVersion: `${name}/${pref}`, version: pref },
  };
}

/** `/apis`: APIGroupList. */
export function apiGroupList(registry: ResourceRegistry): JsonObject {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: sortedGroups(registry)
      .filter(([g]) => g !== '')
      .map(([g, versions]) => groupEntry(g, versions)),
  };
}

/** `/apis/{group}`: APIGroup, or undefined when the group is not served. */
export function apiGroup(registry: ResourceRegistry, group: string): JsonObject | undefined {
  const versions = registry.groups().get(group);
  if (!versions || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, versions) };
}

/** `/api/v1` or `/apis/{group}/{version}`: APIResourceList including subresources. */
export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined {
  const list = registry.groups().get(group)?.get(version);
  if (!list) return undefined;
  const resources: JsonObject[] = [];
  for (const r of [...list].sort((a, b) => a.plural.localeCompare(b.plural))) {
    const entry: JsonObject = {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
    };
    if (r.shortNames.length > 0) entry.shortNames = r.shortNames;
    if (r.categories.length > 0) entry.categories = r.categories;
    entry.storageVersionHash = hash(`${r.group}/${r.versions[0]}/${r.kind}`);
    resources.push(entry);
    if (r.statusSubresource)
      resources.push({
        name: `${r.plural}/status`,
        singularName: '',
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ['get', 'patch', 'update'],
      });
    if (r.scaleSubresource)
      resources.push({
        name: `${r.plural}/scale`,
        singularName: '',
        namespaced: r.namespaced,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

function hash(s: string): string {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = ((h << 5) + h + s.charCodeAt(i)) | 0;
  return Buffer.from(String(h >>> 0))
    .toString('base64')
    .slice(0, 11);
}

function discoveryResource(r: ResourceInfo, version: string): JsonObject {
  const entry: JsonObject = {
    resource: r.plural,
    responseKind: { group: r.group, version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
  };
  if (r.shortNames.length > 0) entry.shortNames = r.shortNames;
  if (r.categories.length > 0) entry.categories = r.categories;
  const subs: JsonObject[] = [];
  if (r.statusSubresource)
    subs.push({
      subresource: 'status',
      responseKind: { group: r.group, version, kind: r.kind },
      verbs: ['get', 'patch', 'update'],
    });
  if (r.scaleSubresource)
    subs.push({
      subresource: 'scale',
      responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
      verbs: ['get', 'patch', 'update'],
    });
  if (subs.length > 0) entry.subresources = subs;
  return entry;
}

/** Aggregated discovery (`/api` or `/apis` with the APIGroupDiscoveryList Accept type). */
export function aggregatedDiscovery(
  registry: ResourceRegistry,
  legacy: boolean,
  version: 'v2' | 'v2beta1',
): JsonObject {
  const items: JsonObject[] = [];
  for (const [group, versions] of sortedGroups(registry)) {
    if (legacy !== (group === '')) continue;
    const pref = preferredVersion(versions);
    const ordered = [pref, ...[...versions.keys()].filter((v) => v !== pref)];
    items.push({
      metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
      versions: ordered.map((v) => ({
        version: v,
        resources: [...versions.get(v)!]
          .sort((a, b) => a.plural.localeCompare(b.plural))
          .map((r) => discoveryResource(r, v)),
        freshness: 'Current',
      })),
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
