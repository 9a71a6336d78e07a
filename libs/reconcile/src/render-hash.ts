import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { KubeObject } from './kube-object.js';
import { refKey, refOf } from './object-ref.js';

/**
 * Stable hash of what would be applied: the desired objects (canonical JSON, ordered by identity so template
 * order does not matter) plus the renderer revision. Equal hashes mean an apply cannot change anything.
 */
export function renderHash(objects: readonly KubeObject[], rendererRevision: string): string {
  const ordered = [...objects]
    .map((obj) => ({ key: refKey(refOf(obj)), obj }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => entry.obj);
  const digest = createHash('sha256')
    .update(canonicalJson({ rendererRevision, objects: ordered }))
    .digest('hex');
  return `sha256:${digest}`;
}
