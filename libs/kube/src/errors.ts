import { LostromosError } from '@lostromos/model';
/**
 * Error codes raised by @lostromos/kube, each marked retryable or permanent. Codes are stable: they are matched
 * after an error has crossed the queue (instanceof does not survive Redis) and are listed in docs/architecture.md.
 */
export const KubeErrorCodes = {
  LZ_KUBE_TRANSIENT: {
    retryable: true,
    summary:
      'The API server answered 429, 5xx or 409 Conflict, or the request timed out / the connection failed.',
  },
  LZ_KUBE_REJECTED: {
    retryable: false,
    summary: 'The API server rejected the request permanently (400, 403, 404 on a write, 415, 422, …).',
  },
  LZ_KUBE_RESOURCE_NOT_SERVED: {
    retryable: false,
    summary:
      'The API server does not serve the group/version/resource (the CRD is not installed, or the version is wrong).',
  },
  LZ_KUBE_CONFIG: {
    retryable: false,
    summary: 'No usable kubeconfig (file missing, context unknown, not running in a cluster).',
  },
} as const;

export type KubeErrorCode = keyof typeof KubeErrorCodes;

/** An API failure with the HTTP status, the Kubernetes Status reason and whether a retry can help. */
export class KubeApiError extends LostromosError {
  readonly code: KubeErrorCode;
  readonly retryable: boolean;
  /** HTTP status; 0 when no response arrived (connection error, timeout). */
  readonly status: number;
  /** Kubernetes Status `reason` (NotFound, Conflict, Forbidden, …) when the server sent one. */
  readonly reason: string | undefined;
  /** From a Retry-After header (429/503), in milliseconds. */
  override readonly retryAfterMs: number | undefined;
  readonly verb: string;
  readonly path: string;

  constructor(opts: {
    status: number;
    verb: string;
    path: string;
    message: string;
    reason?: string;
    retryAfterMs?: number;
    cause?: unknown;
  }) {
    const transient = isTransientStatus(opts.status) && !isSchemaRejection(opts.status, opts.message);
    super(`${opts.verb} ${opts.path}: ${opts.status === 0 ? '' : `${opts.status} `}${opts.message}`, {
      cause: opts.cause,
    });
    this.name = 'KubeApiError';
    this.code = transient ? 'LZ_KUBE_TRANSIENT' : 'LZ_KUBE_REJECTED';
    this.retryable = transient;
    this.status = opts.status;
    this.reason = opts.reason;
    this.retryAfterMs = opts.retryAfterMs;
    this.verb = opts.verb;
    this.path = opts.path;
  }
}

/** The CRD (or core group/version) behind a configured resource or rendered kind is not served. */
export class ResourceNotServedError extends LostromosError {
  readonly code = 'LZ_KUBE_RESOURCE_NOT_SERVED' as const;
  readonly retryable = false;

  constructor(
    readonly groupVersion: string,
    readonly what: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the API server does not serve ${what} in ${groupVersion}: install the CRD (kubectl apply -f <crd>.yaml) or fix the group/version`,
      options,
    );
    this.name = 'ResourceNotServedError';
  }
}

export class KubeConfigError extends LostromosError {
  readonly code = 'LZ_KUBE_CONFIG' as const;
  readonly retryable = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubeConfigError';
  }
}

/** 0 (no response), 409 Conflict, 429 and 5xx can succeed on retry; everything else needs a change first. */
export function isTransientStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * A real kube-apiserver answers a server-side apply of a field its schema does not declare with a bare 500
 * ("failed to create typed patch object (…): .spec.bogus: field not declared in schema"), whatever
 * fieldValidation says. No retry can fix the object: it is a rejection, not a server fault.
 */
export function isSchemaRejection(status: number, message: string): boolean {
  return status === 500 && /failed to create typed patch object|field not declared in schema/.test(message);
}

export function statusOf(err: unknown): number | undefined {
  return err instanceof KubeApiError ? err.status : undefined;
}
