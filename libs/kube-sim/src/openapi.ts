import type { ResourceRegistry } from './resource-registry.js';
import { apiVersionOf, type ResourceInfo } from './resource-info.js';
import type { JsonObject } from './types.js';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** `/openapi/v3`: one entry per served group-version. */
export function openApiV3Root(registry: ResourceRegistry): JsonObject {
  const paths: JsonObject = {};
  for (const [group, versions] of registry.groups())
    for (const version of versions.keys()) {
      const p = gvPath(group, version);
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${registry.generationId}` };
    }
  return { paths };
}

const queryParam = (name: string, description: string): JsonObject => ({
  name,
  in: 'query',
  description,
  schema: { type: 'string', uniqueItems: true },
});

/**
 * `/openapi/v3/{api|apis/group}/{version}`: the operations of each resource with their query parameters and
 * `x-kubernetes-group-version-kind`, which is what kubectl reads to learn that the server validates fields
 * (`fieldValidation`) itself. Object schemas are not published (kubectl then computes strategic merge patches
 * from its compiled-in types, as it does against servers without OpenAPI).
 */
export function openApiV3Document(
  registry: ResourceRegistry,
  group: string,
  version: string,
): JsonObject | undefined {
  const resources = registry.groups().get(group)?.get(version);
  if (!resources) return undefined;
  const paths: JsonObject = {};
  const writeParams = [
    queryParam('dryRun', 'When present, indicates that modifications should not be persisted.'),
    queryParam(
      'fieldManager',
      'fieldManager is a name associated with the actor or entity that is making these changes.',
    ),
    queryParam(
      'fieldValidation',
      'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.',
    ),
  ];
  for (const r of resources) {
    const gvk = { group: r.group, version, kind: r.kind };
    const base = `/${gvPath(group, version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
    const op = (action: string, params: JsonObject[]): JsonObject => ({
      operationId: `${action}${r.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      parameters: params,
      responses: { '200': { description: 'OK' } },
    });
    paths[base] = {
      get: op('list', [
        queryParam('labelSelector', ''),
        queryParam('fieldSelector', ''),
        queryParam('watch', ''),
      ]),
      post: op('post', writeParams),
    };
    const item: JsonObject = {
      get: op('get', []),
      put: op('put', writeParams),
      patch: op('patch', [...writeParams, queryParam('force', 'Force is going to "force" Apply requests.')]),
      delete: op('delete', [queryParam('dryRun', ''), queryParam('propagationPolicy', '')]),
    };
    paths[`${base}/{name}`] = item;
    if (r.statusSubresource)
      paths[`${base}/{name}/status`] = {
        get: op('get', []),
        put: op('put', writeParams),
        patch: op('patch', [...writeParams, queryParam('force', '')]),
      };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (lostromos kube-sim)', version: apiVersionOf(group, version) },
    paths,
    components: { schemas: {} },
  };
}

export type { ResourceInfo };
