import { parseBody } from './http-io.js';
import { isObject } from './json-util.js';
import type { DeleteOptions, ListOptions } from './object-api.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { errors } from './status-error.js';
import type { JsonValue } from './types.js';

function bool(v: string | null): boolean {
  return v === 'true' || v === '1';
}

/** A DELETE body (DeleteOptions) may be empty. */
export function parseOptionalBody(buf: Buffer): JsonValue {
  return buf.length > 0 && buf.toString('utf8').trim() !== '' ? parseBody(buf, { yaml: false }) : {};
}

/** list/watch/deletecollection query parameters. */
export function listOptions(params: URLSearchParams): ListOptions {
  const ls = params.get('labelSelector');
  const fs = params.get('fieldSelector');
  const limit = params.get('limit');
  return {
    labels: ls ? parseLabelSelector(ls) : [],
    fields: fs ? parseFieldSelector(fs) : [],
    limit: limit ? Number(limit) : undefined,
    continueToken: params.get('continue') || undefined,
    resourceVersion: params.get('resourceVersion') ?? undefined,
    resourceVersionMatch: params.get('resourceVersionMatch') || undefined,
  };
}

/** DeleteOptions from the body, falling back to query parameters (propagationPolicy, orphanDependents, dryRun). */
export function deleteOptionsOf(body: JsonValue, params: URLSearchParams): DeleteOptions {
  const b = isObject(body) ? body : {};
  let policy = (b.propagationPolicy as string | undefined) ?? params.get('propagationPolicy') ?? undefined;
  const orphan =
    b.orphanDependents ?? (params.has('orphanDependents') ? bool(params.get('orphanDependents')) : undefined);
  if (policy === undefined && orphan !== undefined) policy = orphan ? 'Orphan' : 'Background';
  if (policy !== undefined && policy !== 'Foreground' && policy !== 'Background' && policy !== 'Orphan')
    throw errors.badRequest(
      `propagationPolicy: Unsupported value: "${policy}": supported values: "Background", "Foreground", "Orphan"`,
    );
  const pre = isObject(b.preconditions) ? b.preconditions : {};
  const dryRun =
    (Array.isArray(b.dryRun) && b.dryRun.includes('All')) || params.getAll('dryRun').includes('All');
  return {
    propagationPolicy: policy,
    preconditions: {
      uid: typeof pre.uid === 'string' ? pre.uid : undefined,
      resourceVersion: typeof pre.resourceVersion === 'string' ? pre.resourceVersion : undefined,
    },
    dryRun,
  };
}
