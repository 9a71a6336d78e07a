import type { ObjectRef } from './kube-object.js';
import { describeRef } from './object-ref.js';

/** `ConfigMap ns/a, Deployment ns/b and 3 more`: short lists for Event messages and logs. */
export function describeRefs(refs: readonly ObjectRef[], max = 5): string {
  const shown = refs.slice(0, max).map(describeRef).join(', ');
  return refs.length > max ? `${shown} and ${refs.length - max} more` : shown;
}
