import type { KubeObject } from './kube-object.js';
import { RenderError } from './render-error.js';
import { formatPath, LIMITS } from './limits.js';

/** What templates see: ARCHITECTURE.md "template context". */
export interface TemplateContext {
  cr: KubeObject;
  metadata: KubeObject['metadata'];
  spec: unknown;
  status: unknown;
  name: string;
  namespace: string;
  values: Record<string, unknown>;
  /** What the original tool exposed to Helm charts as .Values.resource. */
  resource: { name: string; namespace: string; spec: unknown };
}

/** Checks the CR is an object with a name; throws RenderError LZ_RENDER_INPUT otherwise. */
export function assertCustomResource(cr: unknown): asserts cr is KubeObject {
  if (typeof cr !== 'object' || cr === null || Array.isArray(cr)) {
    throw new RenderError('LZ_RENDER_INPUT', 'the custom resource must be a YAML/JSON mapping');
  }
  const o = cr as Partial<KubeObject>;
  if (
    typeof o.metadata !== 'object' ||
    o.metadata === null ||
    typeof o.metadata.name !== 'string' ||
    o.metadata.name === ''
  ) {
    throw new RenderError('LZ_RENDER_INPUT', 'the custom resource has no metadata.name');
  }
}

/** Annotation kubectl writes on every `kubectl apply`: a second copy of the CR. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The CR as templates and charts see it: without the bookkeeping that changes on every write
 * (`metadata.resourceVersion`, `metadata.managedFields`, `metadata.selfLink`) and kubectl's
 * last-applied-configuration annotation (a copy of the CR). A template reading those would render
 * something new after every write, including the operator's own; without them, a render can be re-used
 * until the CR really changes. `status` is dropped when `withStatus` is false (Helm mode). The CR itself is
 * not modified.
 */
export function renderInputOf(cr: unknown, opts: { withStatus: boolean }): KubeObject {
  assertCustomResource(cr);
  const meta = omit(cr.metadata, BOOKKEEPING);
  const annotations = cr.metadata.annotations;
  if (annotations && typeof annotations === 'object' && LAST_APPLIED_ANNOTATION in annotations) {
    const rest = omit(annotations, [LAST_APPLIED_ANNOTATION]);
    if (Object.keys(rest).length > 0) meta.annotations = rest;
    else delete meta.annotations;
  }
  const out = omit(cr, opts.withStatus ? ['metadata'] : ['metadata', 'status']) as KubeObject;
  out.metadata = meta;
  return out;
}

const BOOKKEEPING = ['resourceVersion', 'managedFields', 'selfLink'];

/** A shallow copy without `keys` (built without `delete`, which would make V8 objects slow). */
function omit<T extends object>(o: T, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in o) if (!keys.includes(k)) out[k] = (o as Record<string, unknown>)[k];
  return out;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Bounds the CR before anything renders it: nesting depth, the length of every string and key, and its
 * size as JSON. Throws RenderError LZ_RENDER_INPUT_LIMIT naming the field.
 */
export function checkInputLimits(cr: KubeObject, limits: Partial<typeof LIMITS> = {}): void {
  const maxDepth = limits.maxDepth ?? LIMITS.maxDepth;
  const maxString = limits.maxInputStringBytes ?? LIMITS.maxInputStringBytes;
  const maxBytes = limits.maxInputBytes ?? LIMITS.maxInputBytes;
  const path: (string | number)[] = [];
  // A lower bound of the JSON size, so small CRs (nearly all) need no JSON.stringify.
  let atLeast = 0;
  const fail = (msg: string): never => {
    throw new RenderError('LZ_RENDER_INPUT_LIMIT', `the custom resource cannot be rendered: ${msg}`);
  };
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      atLeast += v.length + 2;
      if (v.length > maxString)
        fail(`${formatPath(path)} is a string of ${fmt(v.length)} characters (limit ${fmt(maxString)})`);
      return;
    }
    atLeast += 1;
    if (typeof v !== 'object' || v === null) return;
    if (path.length >= maxDepth)
      fail(`${formatPath(path)} nests deeper than ${maxDepth} levels of mappings and lists (limit)`);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        walk(v[i]);
        path.pop();
      }
      return;
    }
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      atLeast += k.length + 3;
      path.push(k);
      if (k.length > maxString)
        fail(
          `a key of ${formatPath(path.slice(0, -1)) || 'the CR'} has ${fmt(k.length)} characters (limit ${fmt(maxString)})`,
        );
      walk(x);
      path.pop();
    }
  };
  walk(cr);
  // Escapes can make the JSON up to 6× longer than the lower bound: measure when it could matter.
  if (atLeast * 6 > maxBytes) {
    const size = JSON.stringify(cr).length;
    if (size > maxBytes) fail(`it is ${fmt(size)} characters as JSON (limit ${fmt(maxBytes)})`);
  }
}

/** Set when a render read the CR's status (see buildTemplateContext). */
export interface ContextUse {
  statusRead: boolean;
}

/**
 * The context templates render with. `use.statusRead` becomes true when the templates read the CR's status
 * (through `status`, `cr.status`, `getField "status"`, `json cr`, …): only then does a status change (the
 * operator writes status after every reconcile) need a new render.
 */
export function buildTemplateContext(
  cr: KubeObject,
  values: Record<string, unknown>,
  use: ContextUse = { statusRead: false },
): TemplateContext {
  const input = renderInputOf(cr, { withStatus: true });
  checkInputLimits(input);
  const spec = input.spec ?? {};
  const namespace = input.metadata.namespace ?? '';
  const name = input.metadata.name ?? '';
  const status: unknown = input.status;
  const view = omit(input, ['status']);
  Object.defineProperty(view, 'status', {
    get: () => {
      use.statusRead = true;
      return status;
    },
    enumerable: status !== undefined,
    configurable: false,
  });
  const context = {
    cr: view as KubeObject,
    metadata: input.metadata,
    spec,
    name,
    namespace,
    values,
    resource: { name, namespace, spec },
  } as Omit<TemplateContext, 'status'> as TemplateContext;
  Object.defineProperty(context, 'status', {
    get: () => {
      use.statusRead = true;
      return status ?? {};
    },
    enumerable: true,
    configurable: false,
  });
  return context;
}
