import type { JsonObject } from './types.js';

/** `metav1.StatusReason` values the sim returns. */
export const StatusReason = {
  NotFound: 'NotFound',
  AlreadyExists: 'AlreadyExists',
  Conflict: 'Conflict',
  Invalid: 'Invalid',
  BadRequest: 'BadRequest',
  Expired: 'Expired',
  Forbidden: 'Forbidden',
  Unauthorized: 'Unauthorized',
  MethodNotAllowed: 'MethodNotAllowed',
  NotAcceptable: 'NotAcceptable',
  UnsupportedMediaType: 'UnsupportedMediaType',
  TooManyRequests: 'TooManyRequests',
  InternalError: 'InternalError',
  ServiceUnavailable: 'ServiceUnavailable',
  Timeout: 'Timeout',
  RequestEntityTooLarge: 'RequestEntityTooLarge',
} as const;
export type StatusReasonValue = (typeof StatusReason)[keyof typeof StatusReason];

export interface StatusCause extends JsonObject {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails extends JsonObject {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A failed API call, rendered as a `metav1.Status` body with the matching HTTP code. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The HTTP status; `reason` is the stable metav1.StatusReason clients branch on ('' for none). */
  constructor(
    readonly code: number,
    readonly reason: StatusReasonValue | '',
    message: string,
    readonly details?: StatusDetails,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  toStatus(): JsonObject {
    const body: JsonObject = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
    };
    if (this.reason) body.reason = this.reason;
    if (this.details) body.details = this.details;
    body.code = this.code;
    return body;
  }
}

/** The group/kind pair error messages and details name: kind is the plural resource, as the apiserver does. */
export interface Qualified {
  group: string;
  resource: string;
}

function qualified(q: Qualified): string {
  return q.group ? `${q.resource}.${q.group}` : q.resource;
}

function details(q: Qualified, name: string | undefined, extra?: StatusDetails): StatusDetails {
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (q.group) d.group = q.group;
  d.kind = q.resource;
  return { ...d, ...extra };
}

export const errors = {
  notFound(q: Qualified, name: string): ApiError {
    return new ApiError(404, StatusReason.NotFound, `${qualified(q)} "${name}" not found`, details(q, name));
  },
  alreadyExists(q: Qualified, name: string): ApiError {
    return new ApiError(
      409,
      StatusReason.AlreadyExists,
      `${qualified(q)} "${name}" already exists`,
      details(q, name),
    );
  },
  conflict(q: Qualified, name: string, why: string): ApiError {
    return new ApiError(
      409,
      StatusReason.Conflict,
      `Operation cannot be fulfilled on ${qualified(q)} "${name}": ${why}`,
      details(q, name),
    );
  },
  /** 409 from server-side apply: one cause per conflicting field, message grouped by manager like the apiserver. */
  applyConflict(
    q: Qualified,
    name: string,
    conflicts: { manager: string; apiVersion: string; field: string }[],
  ): ApiError {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const key = `"${c.manager}" using ${c.apiVersion}`;
      const list = byManager.get(key) ?? [];
      list.push(c.field);
      byManager.set(key, list);
    }
    let msg: string;
    if (conflicts.length === 1) {
      const c = conflicts[0]!;
      msg = `Apply failed with 1 conflict: conflict with "${c.manager}" using ${c.apiVersion}: ${c.field}`;
    } else {
      const parts = [...byManager].map(([who, fields]) =>
        fields.length === 1
          ? `conflict with ${who}: ${fields[0]}`
          : `conflicts with ${who}:\n${fields.map((f) => `- ${f}`).join('\n')}`,
      );
      msg = `Apply failed with ${conflicts.length} conflicts: ${parts.join('\n')}`;
    }
    return new ApiError(
      409,
      StatusReason.Conflict,
      msg,
      details(q, name, {
        causes: conflicts.map((c) => ({
          reason: 'FieldManagerConflict',
          message: `conflict with "${c.manager}" using ${c.apiVersion}`,
          field: c.field,
        })),
      }),
    );
  },
  invalid(q: Qualified & { kind: string }, name: string, causes: StatusCause[]): ApiError {
    const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
    const list = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
    const msg = `${q.kind}${q.group ? '.' + q.group : ''} "${name}" is invalid: ${list}`;
    const d: StatusDetails = { name, kind: q.kind, causes };
    if (q.group) d.group = q.group;
    return new ApiError(422, StatusReason.Invalid, msg, d);
  },
  badRequest(message: string): ApiError {
    return new ApiError(400, StatusReason.BadRequest, message);
  },
  gone(message: string): ApiError {
    return new ApiError(410, StatusReason.Expired, message);
  },
  forbidden(q: Qualified, name: string | undefined, why: string, causes?: StatusCause[]): ApiError {
    const subject = name ? `${qualified(q)} "${name}"` : qualified(q);
    return new ApiError(
      403,
      StatusReason.Forbidden,
      `${subject} is forbidden: ${why}`,
      details(q, name, causes ? { causes } : undefined),
    );
  },
  unauthorized(): ApiError {
    return new ApiError(401, StatusReason.Unauthorized, 'Unauthorized');
  },
  methodNotAllowed(method: string): ApiError {
    return new ApiError(
      405,
      StatusReason.MethodNotAllowed,
      `the server does not allow this method on the requested resource (${method})`,
    );
  },
  notAcceptable(accept: string): ApiError {
    return new ApiError(
      406,
      StatusReason.NotAcceptable,
      `the server was unable to respond with a content type that the client supports (${accept})`,
    );
  },
  unsupportedMediaType(contentType: string): ApiError {
    return new ApiError(
      415,
      StatusReason.UnsupportedMediaType,
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType || 'none'})`,
    );
  },
  tooManyRequests(retryAfterSeconds: number): ApiError {
    return new ApiError(
      429,
      StatusReason.TooManyRequests,
      'Too many requests, please try again later.',
      { retryAfterSeconds },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  },
  internal(message: string): ApiError {
    return new ApiError(500, StatusReason.InternalError, `Internal error occurred: ${message}`, {
      causes: [{ message }],
    });
  },
  /** A plain 500 without a reason, as the apiserver answers failures of its own machinery (e.g. SSA typing). */
  failure(message: string): ApiError {
    return new ApiError(500, '', message);
  },
  serviceUnavailable(retryAfterSeconds: number): ApiError {
    return new ApiError(
      503,
      StatusReason.ServiceUnavailable,
      'The server is currently unable to handle the request',
      { retryAfterSeconds },
      { 'Retry-After': String(retryAfterSeconds) },
    );
  },
  /** A list/watch at a resourceVersion the sim has not reached yet (the apiserver waits 3s, then this). */
  tooLargeResourceVersion(requested: string, current: string): ApiError {
    return new ApiError(
      504,
      StatusReason.Timeout,
      `Too large resource version: ${requested}, current: ${current}`,
      {
        causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
        retryAfterSeconds: 1,
      },
    );
  },
  notFoundPath(): ApiError {
    return new ApiError(404, StatusReason.NotFound, 'the server could not find the requested resource', {});
  },
};
