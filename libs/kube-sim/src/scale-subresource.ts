import { isObject } from './json-util.js';
import type { ResourceInfo } from './resource-info.js';
import { errors } from './status-error.js';
import type { JsonObject, JsonValue, KubeObject } from './types.js';

function selectorString(spec: JsonObject): string {
  const sel = isObject(spec.selector) ? spec.selector : undefined;
  const labels = sel && isObject(sel.matchLabels) ? sel.matchLabels : undefined;
  return labels
    ? Object.entries(labels)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(',')
    : '';
}

/** The autoscaling/v1 Scale view of a scalable object (`/scale`). */
export function scaleOf(_info: ResourceInfo, obj: KubeObject): JsonObject {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const status = isObject(obj.status) ? obj.status : {};
  const m = obj.metadata;
  const metadata: JsonObject = {
    name: m.name,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    creationTimestamp: m.creationTimestamp,
  };
  if (m.namespace) metadata.namespace = m.namespace;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: { replicas: typeof spec.replicas === 'number' ? spec.replicas : 0 },
    status: {
      replicas: typeof status.replicas === 'number' ? status.replicas : 0,
      selector: selectorString(spec),
    },
  };
}

export function replicasFromScale(body: JsonValue, info: ResourceInfo, name: string): number {
  const spec = isObject(body) && isObject(body.spec) ? body.spec : undefined;
  const r = spec?.replicas;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 0)
    throw errors.invalid({ group: 'autoscaling', resource: 'scale', kind: 'Scale' }, name, [
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: `Invalid value: ${JSON.stringify(r ?? null)}: must be greater than or equal to 0`,
      },
    ]);
  void info;
  return r;
}
