/** Pure helpers that build Kubernetes API paths. */
import { splitApiVersion } from '@lostromos/model';

export { joinApiVersion, splitApiVersion } from '@lostromos/model';

/** `/api/v1` or `/apis/<group>/<version>` */
export function groupVersionPath(apiVersion: string): string {
  const { group, version } = splitApiVersion(apiVersion);
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

export interface ResourcePathParts {
  apiVersion: string;
  plural: string;
  /** Omit (or "") for cluster-scoped resources and for all-namespace lists. */
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** e.g. /apis/apps/v1/namespaces/default/deployments/web/status */
export function resourcePath(p: ResourcePathParts): string {
  let out = groupVersionPath(p.apiVersion);
  if (p.namespace) out += `/namespaces/${encodeURIComponent(p.namespace)}`;
  out += `/${p.plural}`;
  if (p.name !== undefined) out += `/${encodeURIComponent(p.name)}`;
  if (p.subresource) out += `/${p.subresource}`;
  return out;
}
