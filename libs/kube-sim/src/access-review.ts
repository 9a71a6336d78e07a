import { forbiddenReason, type Authorizer, type Principal } from './authorizer.js';
import { isObject } from './json-util.js';
import type { JsonObject, JsonValue } from './types.js';

/**
 * Answers a SelfSubjectAccessReview (`kubectl auth can-i`) from the token rules; non-resource URLs are always
 * allowed. Nothing is stored.
 */
export function accessReview(auth: Authorizer, body: JsonValue, principal: Principal): JsonObject {
  const review = isObject(body) ? body : {};
  const spec = isObject(review.spec) ? review.spec : {};
  const ra = isObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  let allowed = true;
  let reason = '';
  if (ra) {
    const attrs = {
      verb: str(ra.verb),
      group: str(ra.group),
      resource: str(ra.resource),
      subresource: str(ra.subresource),
      namespace: str(ra.namespace),
    };
    allowed = auth.allows(principal, attrs);
    reason = allowed
      ? auth.enabled
        ? 'allowed by a kube-sim token rule'
        : 'kube-sim runs without auth'
      : forbiddenReason(principal, attrs);
  }
  const status: JsonObject = { allowed };
  if (reason) status.reason = reason;
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec,
    status,
  };
}
