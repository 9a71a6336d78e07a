import { isObject } from './json-util.js';
import type { ResourceInfo } from './resource-info.js';
import type { JsonObject, KubeObject } from './types.js';

let nextClusterIp = 1;

function microTime(v: string): string {
  const m = v.match(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/);
  if (!m) return new Date(v).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  if (m[3] !== 'Z') return new Date(v).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  return `${m[1]}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
}

const MICRO_LAYOUT = '2006-01-02T15:04:05.000000Z07:00';

/**
 * Why `v` is not a metav1.MicroTime the apiserver can decode (Go's time.Parse with exactly six fractional
 * digits: `2026-01-01T00:00:00.123Z` is refused), or undefined when it is one.
 */
function microTimeError(v: string): string | undefined {
  const fail = (rest: string, elem: string): string =>
    `parsing time ${JSON.stringify(v)} as "${MICRO_LAYOUT}": cannot parse ${JSON.stringify(rest)} as "${elem}"`;
  const head = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.exec(v);
  if (!head) return fail(v, '2006');
  const rest = v.slice(head[0].length);
  if (!/^\.\d{6}/.test(rest)) return fail(rest, '.000000');
  const zone = rest.slice(7);
  if (!/^(Z|[+-]\d{2}:\d{2})$/.test(zone)) return fail(zone, 'Z07:00');
  return undefined;
}

/** The MicroTime fields of a kind the sim checks (Lease times: leader election writes them). */
const MICRO_TIME_FIELDS: Record<string, readonly string[]> = {
  'coordination.k8s.io/leases': ['acquireTime', 'renewTime'],
};

/** The decoding error of the first malformed MicroTime field of `obj`, or undefined. */
export function badMicroTime(info: ResourceInfo, obj: KubeObject): string | undefined {
  const fields = MICRO_TIME_FIELDS[`${info.group}/${info.plural}`];
  if (!fields || !isObject(obj.spec)) return undefined;
  for (const k of fields) {
    const v = obj.spec[k];
    if (typeof v === 'string') {
      const err = microTimeError(v);
      if (err) return err;
    }
  }
  return undefined;
}

function allocateClusterIp(): string {
  const n = nextClusterIp++;
  return `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
}

/**
 * The defaulting the apiserver does for the built-in kinds the sim serves (a subset: the fields operators and
 * kubectl read back). `obj` is owned by the caller, but its nested values may be shared with stored objects,
 * so nested changes copy first.
 */
export function defaultObject(info: ResourceInfo, obj: KubeObject, old: KubeObject | undefined): void {
  if (info.crd) return;
  const spec: JsonObject = isObject(obj.spec) ? obj.spec : {};
  switch (`${info.group}/${info.plural}`) {
    case '/namespaces': {
      if (!old) {
        if (!Array.isArray(spec.finalizers)) obj.spec = { ...spec, finalizers: ['kubernetes'] };
        obj.status = { phase: 'Active' };
      }
      break;
    }
    case '/secrets': {
      if (obj.type === undefined) obj.type = 'Opaque';
      if (isObject(obj.stringData)) {
        const data: JsonObject = isObject(obj.data) ? { ...obj.data } : {};
        for (const [k, v] of Object.entries(obj.stringData))
          if (typeof v === 'string') data[k] = Buffer.from(v).toString('base64');
        obj.data = data;
        delete obj.stringData;
      }
      break;
    }
    case '/services': {
      const next: JsonObject = { ...spec };
      if (next.type === undefined) next.type = 'ClusterIP';
      const oldSpec = old && isObject(old.spec) ? old.spec : undefined;
      if (next.type !== 'ExternalName' && next.clusterIP === undefined) {
        next.clusterIP = typeof oldSpec?.clusterIP === 'string' ? oldSpec.clusterIP : allocateClusterIp();
        next.clusterIPs = [next.clusterIP];
      }
      if (Array.isArray(next.ports))
        next.ports = next.ports.map((p) =>
          isObject(p)
            ? { ...p, protocol: p.protocol ?? 'TCP', targetPort: p.targetPort ?? p.port ?? null }
            : p,
        );
      if (next.sessionAffinity === undefined) next.sessionAffinity = 'None';
      obj.spec = next;
      break;
    }
    case 'apps/deployments': {
      const next: JsonObject = { ...spec };
      if (next.replicas === undefined) next.replicas = 1;
      if (next.revisionHistoryLimit === undefined) next.revisionHistoryLimit = 10;
      if (next.progressDeadlineSeconds === undefined) next.progressDeadlineSeconds = 600;
      const strategy = isObject(next.strategy) ? next.strategy : {};
      if (
        strategy.type === undefined ||
        (strategy.type === 'RollingUpdate' && strategy.rollingUpdate === undefined)
      )
        next.strategy = {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' },
          ...strategy,
        };
      obj.spec = next;
      break;
    }
    case 'apps/statefulsets':
    case 'apps/replicasets':
      if (spec.replicas === undefined) obj.spec = { ...spec, replicas: 1 };
      break;
    case 'batch/cronjobs': {
      const next: JsonObject = { ...spec };
      if (next.suspend === undefined) next.suspend = false;
      if (next.concurrencyPolicy === undefined) next.concurrencyPolicy = 'Allow';
      if (next.successfulJobsHistoryLimit === undefined) next.successfulJobsHistoryLimit = 3;
      if (next.failedJobsHistoryLimit === undefined) next.failedJobsHistoryLimit = 1;
      obj.spec = next;
      break;
    }
    case 'batch/jobs': {
      const next: JsonObject = { ...spec };
      if (next.completions === undefined) next.completions = 1;
      if (next.parallelism === undefined) next.parallelism = 1;
      if (next.backoffLimit === undefined) next.backoffLimit = 6;
      obj.spec = next;
      break;
    }
    case 'coordination.k8s.io/leases': {
      // metav1.MicroTime round-trips in UTC with exactly six fractional digits (other forms are refused
      // before this: badMicroTime).
      const next: JsonObject = { ...spec };
      for (const k of ['acquireTime', 'renewTime']) {
        const v = next[k];
        if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) next[k] = microTime(v);
      }
      if (obj.spec !== undefined) obj.spec = next;
      break;
    }
    case '/pods':
      if (!old && obj.status === undefined) obj.status = { phase: 'Pending', qosClass: 'BestEffort' };
      break;
  }
}
