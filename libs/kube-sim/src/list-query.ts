import { errors } from './status-error.js';

/** Continue token: the resourceVersion of the first page and the last key returned (base64 JSON, opaque). */
export interface ContinueToken {
  rv: number;
  start: string;
}

export function encodeContinue(t: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString('base64url');
}

export function decodeContinue(token: string): ContinueToken {
  try {
    const raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      rv?: unknown;
      start?: unknown;
    };
    if (typeof raw.rv === 'number' && typeof raw.start === 'string') return { rv: raw.rv, start: raw.start };
  } catch {
    // fall through to the BadRequest below
  }
  throw errors.badRequest(`continue key is not valid: ${token}`);
}

/** resourceVersion query semantics shared by list and watch. */
export interface RvQuery {
  resourceVersion: string | undefined;
  resourceVersionMatch: string | undefined;
}

export function parseRv(value: string, what = 'resourceVersion'): number {
  if (!/^\d+$/.test(value)) throw errors.badRequest(`invalid ${what}: ${value}`);
  return Number(value);
}
