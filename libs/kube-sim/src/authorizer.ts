import { createHash } from 'node:crypto';
import type { SimRule } from './types.js';

/** What a request does, in RBAC terms (apply is authorised as patch). */
export interface RequestAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
}

export interface Principal {
  user: string;
  rules: readonly SimRule[] | 'all';
}

function ruleAllows(rule: SimRule, a: RequestAttributes): boolean {
  if (!rule.verbs.includes('*') && !rule.verbs.includes(a.verb)) return false;
  if (rule.apiGroups && !rule.apiGroups.includes('*') && !rule.apiGroups.includes(a.group)) return false;
  const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const qualified = a.group
    ? `${full.split('/')[0]}.${a.group}${a.subresource ? '/' + a.subresource : ''}`
    : full;
  const resOk = rule.resources.some(
    (r) =>
      r === '*' || r === full || r === qualified || (r.endsWith('/*') && full.startsWith(r.slice(0, -1))),
  );
  if (!resOk) return false;
  if (rule.namespaces && !rule.namespaces.includes('*')) {
    if (!a.namespace || !rule.namespaces.includes(a.namespace)) return false;
  }
  return true;
}

/**
 * Optional bearer-token authentication with per-token rules. Without configured tokens every request is an
 * anonymous user with full access; with tokens, unknown or missing tokens get 401 and rule misses 403.
 */
export class Authorizer {
  private readonly tokens: Map<string, Principal> | undefined;

  constructor(tokens?: Record<string, SimRule[]>) {
    if (!tokens) return;
    this.tokens = new Map();
    for (const [token, rules] of Object.entries(tokens))
      this.tokens.set(token, {
        user: `sim:token:${createHash('sha256').update(token).digest('hex').slice(0, 8)}`,
        rules,
      });
  }

  get enabled(): boolean {
    return this.tokens !== undefined;
  }

  /** The principal for an Authorization header, or undefined when authentication fails. */
  authenticate(header: string | undefined): Principal | undefined {
    if (!this.tokens) return { user: 'system:anonymous', rules: 'all' };
    const m = header?.match(/^Bearer\s+(\S+)$/i);
    return m ? this.tokens.get(m[1]!) : undefined;
  }

  allows(p: Principal, a: RequestAttributes): boolean {
    if (p.rules === 'all') return true;
    return p.rules.some((r) => ruleAllows(r, a));
  }
}

/** The message the apiserver's RBAC authorizer writes into a 403. */
export function forbiddenReason(p: Principal, a: RequestAttributes): string {
  const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? ` in the namespace "${a.namespace}"` : ' at the cluster scope';
  return `User "${p.user}" cannot ${a.verb} resource "${res}" in API group "${a.group}"${where}`;
}
