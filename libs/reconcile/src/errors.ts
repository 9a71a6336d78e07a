import { isPermanentError, LostromosError } from '@lostromos/model';
import { escapeInvisible } from '@lostromos/render';
import type { ObjectRef } from './model.js';

/**
 * Every error code this library raises, with whether a retry can help. Codes are stable: they are matched
 * after an error has crossed the queue (instanceof does not survive Redis) and are listed in
 * docs/reconcile.md (a test keeps the two in sync).
 */
export const ReconcileErrorCodes = {
  LZ_RENDER_FAILED: {
    retryable: false,
    reason: 'RenderFailed',
    summary: 'The templates/chart failed to render for this CR.',
  },
  LZ_INVALID_OBJECT: {
    retryable: false,
    reason: 'InvalidObject',
    summary:
      "A rendered object cannot be this CR's: a namespaced object without a namespace under a cluster-scoped CR, or a foreign controller owner reference (shapes and duplicates are the renderer's LZ_RENDER_* errors).",
  },
  LZ_POLICY_VIOLATION: {
    retryable: false,
    reason: 'PolicyViolation',
    summary: "A rendered object is outside the resource's `allow` policy (namespace, cluster scope or kind).",
  },
  LZ_UNKNOWN_KIND: {
    retryable: false,
    reason: 'UnknownKind',
    summary: 'The API server does not serve a rendered kind (missing CRD or wrong apiVersion).',
  },
  LZ_OWNERSHIP_CONFLICT: {
    retryable: false,
    reason: 'OwnershipConflict',
    summary:
      'An object with the rendered name already exists and is not labelled as owned by this CR; it is never adopted or overwritten.',
  },
  LZ_APPLY_REJECTED: {
    retryable: false,
    reason: 'ApplyRejected',
    summary: 'The API server rejected a rendered object permanently (e.g. 422 Invalid, 403 Forbidden).',
  },
  LZ_API_REJECTED: {
    retryable: false,
    reason: 'APIRejected',
    summary:
      'Another request the reconcile needs (discovery, list, get, delete) was refused permanently (e.g. 403 Forbidden).',
  },
  LZ_INVALID_ANNOTATION: {
    retryable: false,
    reason: 'InvalidAnnotation',
    summary:
      'A lostromos.io/ annotation on the CR has a value Lostrómos does not understand (lostromos.io/paused must be "true" or "false").',
  },
  LZ_UNKNOWN_REVISION: {
    retryable: false,
    reason: 'UnknownTemplateRevision',
    summary:
      'The template revision the CR should render with (lostromos.io/template-revision, a rollout) is not in the template store; the CR and its objects are left as they are.',
  },
} as const;

export type ReconcileErrorCode = keyof typeof ReconcileErrorCodes;

/**
 * Base class: a stable `code`, a Kubernetes-style `reason` for conditions/Events, and `retryable`. The message
 * reaches the CR's status, Events and logs, and may quote CR values: invisible and bidi characters in it are
 * written as \uXXXX (escapeInvisible), so it shows what it says.
 */
export class ReconcileError extends LostromosError {
  readonly code: ReconcileErrorCode;
  readonly reason: string;
  readonly retryable: boolean;

  constructor(code: ReconcileErrorCode, message: string, options?: { cause?: unknown }) {
    super(escapeInvisible(message), options);
    this.name = 'ReconcileError';
    this.code = code;
    this.reason = ReconcileErrorCodes[code].reason;
    this.retryable = ReconcileErrorCodes[code].retryable;
  }
}

export class RenderFailedError extends ReconcileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LZ_RENDER_FAILED', message, options);
    this.name = 'RenderFailedError';
  }
}

export class InvalidObjectError extends ReconcileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LZ_INVALID_OBJECT', message, options);
    this.name = 'InvalidObjectError';
  }
}

export class PolicyViolationError extends ReconcileError {
  readonly violations: readonly string[];

  constructor(violations: readonly string[]) {
    super('LZ_POLICY_VIOLATION', violations.join('; '));
    this.name = 'PolicyViolationError';
    this.violations = violations;
  }
}

/** Thrown by `ClusterReader.isNamespaced` (and any port) when the API server does not serve a kind. */
export class UnknownKindError extends ReconcileError {
  readonly apiVersion: string;
  readonly kind: string;

  constructor(apiVersion: string, kind: string, options?: { cause?: unknown }) {
    super(
      'LZ_UNKNOWN_KIND',
      `the API server does not serve kind ${kind} in ${apiVersion}: install its CRD or fix the apiVersion in the template`,
      options,
    );
    this.name = 'UnknownKindError';
    this.apiVersion = apiVersion;
    this.kind = kind;
  }
}

export class OwnershipConflictError extends ReconcileError {
  readonly ref: ObjectRef;

  constructor(ref: ObjectRef, message: string) {
    super('LZ_OWNERSHIP_CONFLICT', message);
    this.name = 'OwnershipConflictError';
    this.ref = ref;
  }
}

export class ApplyRejectedError extends ReconcileError {
  readonly ref: ObjectRef;

  constructor(ref: ObjectRef, message: string, options?: { cause?: unknown }) {
    super('LZ_APPLY_REJECTED', message, options);
    this.name = 'ApplyRejectedError';
    this.ref = ref;
  }
}

export class ApiRejectedError extends ReconcileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LZ_API_REJECTED', message, options);
    this.name = 'ApiRejectedError';
  }
}

export class InvalidAnnotationError extends ReconcileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LZ_INVALID_ANNOTATION', message, options);
    this.name = 'InvalidAnnotationError';
  }
}

export class UnknownRevisionError extends ReconcileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LZ_UNKNOWN_REVISION', message, options);
    this.name = 'UnknownRevisionError';
  }
}

// The protocol's readers are the model's; re-exported for this library's phases.
export { errorCodeOf, isPermanentError, isRetryableError } from '@lostromos/model';

export function errorMessageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The error as a permanent {@link ReconcileError}, or undefined when a retry may help (or it is unclassified:
 * then the worker's backoff decides). Port errors marked `retryable: false` become `LZ_API_REJECTED`.
 */
export function asPermanentError(err: unknown): ReconcileError | undefined {
  if (err instanceof ReconcileError) return err.retryable ? undefined : err;
  if (isPermanentError(err)) return new ApiRejectedError(errorMessageOf(err), { cause: err });
  return undefined;
}
