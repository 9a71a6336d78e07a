import type { ResourceInfo } from './resource-info.js';
import { ApiError, StatusReason } from './status-error.js';
import type { JsonObject, KubeObject } from './types.js';

/**
 * Metadata-only responses, as kube-apiserver negotiates them from the Accept header (client-go's metadata
 * client and informers, controller-runtime's `OnlyMetadata`): `as=PartialObjectMetadata;g=meta.k8s.io;v=v1`
 * (or `v1beta1`) for a get or a watch, `as=PartialObjectMetadataList` for a list. Each object is sent as
 * `{kind: PartialObjectMetadata, apiVersion: meta.k8s.io/VERSION, metadata}` — the whole ObjectMeta,
 * managedFields included, nothing else.
 */
export interface PartialMetadataRequest {
  as: 'PartialObjectMetadata' | 'PartialObjectMetadataList';
  /** meta.k8s.io version: v1 or v1beta1. */
  version: string;
}

function params(clause: string): { type: string; p: Map<string, string> } {
  const [type = '', ...rest] = clause.split(';').map((s) => s.trim());
  const p = new Map<string, string>();
  for (const kv of rest) {
    const i = kv.indexOf('=');
    if (i > 0) p.set(kv.slice(0, i).trim(), kv.slice(i + 1).trim());
  }
  return { type: type.toLowerCase(), p };
}

/**
 * The metadata-only form the Accept header asks for, if any. The clauses are read in order and the first JSON
 * one decides (the simulator never answers protobuf, so a client's protobuf preference falls through to its
 * JSON alternative, as it would on a server that cannot encode protobuf).
 */
export function wantsPartialMetadata(accept: string | undefined): PartialMetadataRequest | undefined {
  if (!accept) return undefined;
  for (const clause of accept.split(',')) {
    const { type, p } = params(clause);
    if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') continue;
    const as = p.get('as');
    const version = p.get('v');
    if (
      (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') &&
      p.get('g') === 'meta.k8s.io' &&
      (version === 'v1' || version === 'v1beta1')
    )
      return { as, version };
    return undefined;
  }
  return undefined;
}

/** One object as PartialObjectMetadata. */
export function toPartialObjectMetadata(obj: KubeObject, version: string): JsonObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

/** A list as PartialObjectMetadataList (`listMeta`: resourceVersion, continue, remainingItemCount). */
export function toPartialObjectMetadataList(
  items: readonly KubeObject[],
  listMeta: JsonObject,
  version: string,
): JsonObject {
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMeta,
    items: items.map((o) => toPartialObjectMetadata(o, version)),
  };
}

/** The Go type kube-apiserver names in its 406 messages: unstructured for custom resources. */
function goType(info: ResourceInfo, list: boolean): string {
  if (info.crd) return list ? '*unstructured.UnstructuredList' : '*unstructured.Unstructured';
  const pkg = info.group ? (info.group.split('.')[0] ?? info.group) : 'core';
  return `*${pkg}.${info.kind}${list ? 'List' : ''}`;
}

/**
 * The answer when the metadata form does not fit the request: a list asked for as PartialObjectMetadata is 406;
 * a single object asked for as PartialObjectMetadataList is 406 for built-in kinds and, as kube-apiserver
 * v1.37 answers it, a 500 without reason for custom resources. Undefined when the form fits.
 */
export function partialMetadataMismatch(
  req: PartialMetadataRequest,
  info: ResourceInfo,
  target: 'object' | 'list',
): ApiError | undefined {
  if (target === 'list' && req.as === 'PartialObjectMetadata')
    return new ApiError(
      406,
      StatusReason.NotAcceptable,
      `you requested PartialObjectMetadata, but the requested object is a list (${goType(info, true)})`,
    );
  if (target === 'object' && req.as === 'PartialObjectMetadataList')
    return info.crd
      ? new ApiError(500, '', 'content is not a list')
      : new ApiError(
          406,
          StatusReason.NotAcceptable,
          `you requested PartialObjectMetadataList, but the requested object is not a list (${goType(info, false)})`,
        );
  return undefined;
}
