import { builtinResources } from './builtin-resources.js';
import { STANDARD_VERBS, resourceKey, type PrinterColumn, type ResourceInfo } from './resource-info.js';
import type { JsonObject, KubeObject } from './types.js';

/** The served resources: built-ins plus one entry per established CRD. */
export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceInfo>();
  /** `group/version/plural` → info, for request routing. */
  private readonly byPath = new Map<string, ResourceInfo>();
  private generationCounter = 0;

  constructor() {
    for (const r of builtinResources()) this.add(r);
  }

  /** Bumped whenever the set of resources changes, so discovery responses can be cached. */
  get generationId(): number {
    return this.generationCounter;
  }

  add(info: ResourceInfo): void {
    this.byKey.set(resourceKey(info.group, info.plural), info);
    for (const v of info.versions) this.byPath.set(`${info.group}/${v}/${info.plural}`, info);
    this.generationCounter++;
  }

  remove(group: string, plural: string): ResourceInfo | undefined {
    const info = this.byKey.get(resourceKey(group, plural));
    if (!info) return undefined;
    this.byKey.delete(resourceKey(group, plural));
    for (const v of info.versions) this.byPath.delete(`${group}/${v}/${plural}`);
    this.generationCounter++;
    return info;
  }

  lookup(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  get(group: string, plural: string): ResourceInfo | undefined {
    return this.byKey.get(resourceKey(group, plural));
  }

  /** The primary resource storing objects under `storageKey`. */
  byStorageKey(storageKey: string): ResourceInfo | undefined {
    return this.byKey.get(storageKey);
  }

  byKind(group: string, kind: string): ResourceInfo | undefined {
    for (const r of this.byKey.values()) if (r.group === group && r.kind === kind) return r;
    return undefined;
  }

  all(): ResourceInfo[] {
    return [...this.byKey.values()];
  }

  /** Group → versions (preferred first) → resources, in a stable order for discovery. */
  groups(): Map<string, Map<string, ResourceInfo[]>> {
    const out = new Map<string, Map<string, ResourceInfo[]>>();
    for (const r of this.byKey.values()) {
      let g = out.get(r.group);
      if (!g) out.set(r.group, (g = new Map<string, ResourceInfo[]>()));
      for (const v of r.versions) {
        let list = g.get(v);
        if (!list) g.set(v, (list = []));
        list.push(r);
      }
    }
    return out;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function obj(v: unknown): JsonObject | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

/** Problems with a CRD that the apiserver would reject with 422, as (field, message) pairs. */
export function validateCrd(crd: KubeObject): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const spec = obj(crd.spec);
  if (!spec) return [{ field: 'spec', message: 'Required value' }];
  const group = str(spec.group);
  const names = obj(spec.names);
  const plural = str(names?.plural);
  if (!group) problems.push({ field: 'spec.group', message: 'Required value' });
  else if (!group.includes('.'))
    problems.push({
      field: 'spec.group',
      message: `Invalid value: "${group}": should be a domain with at least one dot`,
    });
  if (!plural) problems.push({ field: 'spec.names.plural', message: 'Required value' });
  if (!str(names?.kind)) problems.push({ field: 'spec.names.kind', message: 'Required value' });
  const scope = str(spec.scope);
  if (scope !== 'Namespaced' && scope !== 'Cluster')
    problems.push({
      field: 'spec.scope',
      message: `Unsupported value: "${scope ?? ''}": supported values: "Cluster", "Namespaced"`,
    });
  const versions = Array.isArray(spec.versions) ? spec.versions.map(obj) : [];
  if (versions.length === 0)
    problems.push({
      field: 'spec.versions',
      message: 'Required value: must have exactly one version marked as storage version',
    });
  else if (versions.filter((v) => v?.storage === true).length !== 1)
    problems.push({
      field: 'spec.versions',
      message: 'Invalid value: must have exactly one version marked as storage version',
    });
  if (group && plural && crd.metadata.name !== `${plural}.${group}`)
    problems.push({
      field: 'metadata.name',
      message: `Invalid value: "${crd.metadata.name ?? ''}": must be spec.names.plural+"."+spec.group`,
    });
  return problems;
}

/** The resource a (valid) CRD serves. */
export function resourceFromCrd(crd: KubeObject): ResourceInfo {
  const spec = obj(crd.spec)!;
  const names = obj(spec.names)!;
  const group = str(spec.group)!;
  const plural = str(names.plural)!;
  const kind = str(names.kind)!;
  const versions = (spec.versions as JsonObject[]).filter((v) => v.served !== false);
  // Kubernetes' preferred version is the highest by its version-priority ordering; storage first is close enough.
  versions.sort((a, b) => (b.storage === true ? 1 : 0) - (a.storage === true ? 1 : 0));
  const statusVersions = versions.filter((v) => obj(obj(v.subresources)?.status));
  const scaleVersions = versions.filter((v) => obj(obj(v.subresources)?.scale));
  const first = versions[0];
  const printerColumns: PrinterColumn[] = (
    Array.isArray(first?.additionalPrinterColumns) ? first.additionalPrinterColumns : []
  )
    .map(obj)
    .filter((c): c is JsonObject => !!c)
    .map((c) => ({
      name: str(c.name) ?? '',
      type: str(c.type) ?? 'string',
      jsonPath: str(c.jsonPath) ?? '',
      description: str(c.description) ?? '',
      priority: typeof c.priority === 'number' ? c.priority : 0,
    }));
  const schemas: Record<string, JsonObject | undefined> = {};
  for (const v of versions) schemas[str(v.name)!] = obj(obj(v.schema)?.openAPIV3Schema);
  return {
    group,
    versions: versions.map((v) => str(v.name)!),
    plural,
    singular: str(names.singular) ?? kind.toLowerCase(),
    kind,
    listKind: str(names.listKind) ?? `${kind}List`,
    namespaced: spec.scope === 'Namespaced',
    shortNames: strings(names.shortNames),
    categories: strings(names.categories),
    verbs: [...STANDARD_VERBS],
    statusSubresource: statusVersions.length > 0,
    scaleSubresource: scaleVersions.length > 0,
    generation: true,
    storageKey: resourceKey(group, plural),
    printerColumns,
    crd: crd.metadata.name!,
    schemas,
  };
}
