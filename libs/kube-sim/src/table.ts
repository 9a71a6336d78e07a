import { isObject } from './json-util.js';
import type { PrinterColumn, ResourceInfo } from './resource-info.js';
import type { JsonObject, JsonValue, KubeObject } from './types.js';

/** Whether the Accept header asks for a meta.k8s.io Table. */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((p) => {
    const s = p.replace(/\s+/g, '');
    return (
      s.includes('as=Table') &&
      s.includes('g=meta.k8s.io') &&
      (s.includes('v=v1;') || s.endsWith('v=v1') || s.includes('v=v1beta1'))
    );
  });
}

/** Kubernetes' duration.HumanDuration, as `kubectl get` shows AGE. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 24 * 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (h < 24 * 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

/** A JSONPath subset for printer columns: `.a.b`, `[n]`, `[*]`, `[?(@.k=="v")]`. */
export function evalJsonPath(obj: JsonValue, path: string): JsonValue | undefined {
  const p = path.trim().replace(/^\{/, '').replace(/\}$/, '').replace(/^\$/, '');
  let cur: JsonValue[] = [obj];
  const re = /\.([^.[\]]+)|\[(\d+)\]|\[\*\]|\[\?\(@\.([^=!<>]+?)\s*(==|!=)\s*["']?([^"')]*)["']?\)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(p))) {
    const next: JsonValue[] = [];
    for (const c of cur) {
      if (m[1] !== undefined) {
        if (isObject(c) && c[m[1]] !== undefined) next.push(c[m[1]]!);
      } else if (m[2] !== undefined) {
        if (Array.isArray(c) && c[Number(m[2])] !== undefined) next.push(c[Number(m[2])]!);
      } else if (m[3] !== undefined) {
        if (Array.isArray(c))
          for (const e of c) {
            const v = isObject(e) ? evalJsonPath(e, `.${m[3]}`) : undefined;
            const sv = v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
            if (m[4] === '==' ? sv === m[5] : sv !== m[5]) next.push(e);
          }
      } else if (Array.isArray(c)) next.push(...c);
    }
    cur = next;
  }
  if (cur.length === 0) return undefined;
  return cur.length === 1 ? cur[0] : cur;
}

function cell(v: JsonValue | undefined, type: string, now: number): JsonValue {
  if (v === undefined || v === null) return type === 'integer' || type === 'number' ? null : '<none>';
  if (type === 'date' && typeof v === 'string') return humanDuration(now - Date.parse(v));
  if (typeof v === 'object') return JSON.stringify(v);
  return v;
}

function count(v: JsonValue | undefined): number {
  return isObject(v) ? Object.keys(v).length : 0;
}

/** Cells of the built-in kinds whose kubectl columns are computed rather than read from a path. */
function builtinCell(info: ResourceInfo, col: PrinterColumn, obj: KubeObject): JsonValue | undefined {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const status = isObject(obj.status) ? obj.status : {};
  if (col.name === 'Data') return count(obj.data) + count(obj.binaryData);
  if (col.name === 'Ready' && (info.kind === 'Deployment' || info.kind === 'StatefulSet'))
    return `${Number(status.readyReplicas ?? 0)}/${Number(spec.replicas ?? 1)}`;
  if (col.name === 'Completions' && info.kind === 'Job')
    return `${Number(status.succeeded ?? 0)}/${Number(spec.completions ?? 1)}`;
  return undefined;
}

export function tableColumns(info: ResourceInfo): PrinterColumn[] {
  const name: PrinterColumn = {
    name: 'Name',
    type: 'string',
    jsonPath: '.metadata.name',
    format: 'name',
    priority: 0,
    description: 'Name must be unique within a namespace.',
  };
  const age: PrinterColumn = {
    name: 'Age',
    type: 'date',
    jsonPath: '.metadata.creationTimestamp',
    priority: 0,
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
  };
  if (info.crd) return info.printerColumns.length > 0 ? [name, ...info.printerColumns] : [name, age];
  return [name, ...info.printerColumns, age];
}

function partialMetadata(obj: KubeObject): JsonObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** A meta.k8s.io/v1 Table of objects (what `kubectl get` prints). */
export function toTable(
  info: ResourceInfo,
  objects: readonly KubeObject[],
  opts: { resourceVersion?: string; continueToken?: string; includeObject?: string; now?: number },
): JsonObject {
  const cols = tableColumns(info);
  const now = opts.now ?? Date.now();
  const rows = objects.map((o) => {
    const row: JsonObject = {
      cells: cols.map((c) => builtinCell(info, c, o) ?? cell(evalJsonPath(o, c.jsonPath), c.type, now)),
    };
    if (opts.includeObject !== 'None') row.object = opts.includeObject === 'Object' ? o : partialMetadata(o);
    return row;
  });
  const metadata: JsonObject = {};
  if (opts.resourceVersion) metadata.resourceVersion = opts.resourceVersion;
  if (opts.continueToken) metadata.continue = opts.continueToken;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: cols.map((c) => ({
      name: c.name,
      type: c.type === 'date' ? 'string' : c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
    rows,
  };
}
