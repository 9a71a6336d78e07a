import type { KubeObject } from './kube-object.js';
import { CLEANUP_FINALIZER } from './labels.js';

/**
 * Whether a CR is ours to reconcile — decided here, once, for the watcher's predicates and the reconcile:
 * - `managed`: no opt-in annotation is configured, or the CR carries it;
 * - `opted-out`: the CR lacks the annotation but still holds our finalizer (it opted out after we applied its
 *   objects): its objects are deleted and the finalizer released, as if the CR were deleted;
 * - `ignored`: never opted in: not ours, left alone.
 */
export type CrMembership = 'managed' | 'opted-out' | 'ignored';

export function crMembership(cr: KubeObject, filterAnnotation: string | undefined): CrMembership {
  if (!filterAnnotation || cr.metadata.annotations?.[filterAnnotation] !== undefined) return 'managed';
  return (cr.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER) ? 'opted-out' : 'ignored';
}

/**
 * The `lostromos.io/paused` annotation: "true"/"false" in any letter case (absent or "" = not paused).
 * Anything else is a mistake the user must hear about, not a silent "not paused".
 */
export function pausedValue(cr: KubeObject, annotation: string): { paused: boolean; invalid?: string } {
  const raw = cr.metadata.annotations?.[annotation];
  if (raw === undefined || raw.trim() === '') return { paused: false };
  const v = raw.trim().toLowerCase();
  if (v === 'true') return { paused: true };
  if (v === 'false') return { paused: false };
  return { paused: false, invalid: raw };
}
