import type { KubeObject } from './kube-object.js';
import { RenderError } from './render-error.js';

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

export function buildTemplateContext(cr: KubeObject, values: Record<string, unknown>): TemplateContext {
  assertCustomResource(cr);
  const spec = cr.spec ?? {};
  const namespace = cr.metadata.namespace ?? '';
  const name = cr.metadata.name ?? '';
  return {
    cr,
    metadata: cr.metadata,
    spec,
    status: cr.status ?? {},
    name,
    namespace,
    values,
    resource: { name, namespace, spec },
  };
}
