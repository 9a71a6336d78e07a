import type { SimStats } from './types.js';

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'apply', 'delete', 'deletecollection']);

/** Request counters by verb, resource, field manager, user agent and status code. */
export class RequestStats {
  private s = RequestStats.empty();

  private static empty(): Omit<SimStats, 'watchesOpen' | 'objects' | 'resourceVersion'> {
    return {
      requests: 0,
      writes: 0,
      byVerb: {},
      byResource: {},
      byVerbResource: {},
      byFieldManager: {},
      byUserAgent: {},
      byStatusCode: {},
    };
  }

  record(r: { verb: string; resource: string; fieldManager?: string; userAgent: string }): void {
    const s = this.s;
    s.requests++;
    if (WRITE_VERBS.has(r.verb)) s.writes++;
    bump(s.byVerb, r.verb);
    if (r.resource) {
      bump(s.byResource, r.resource);
      bump(s.byVerbResource, `${r.verb} ${r.resource}`);
    }
    if (r.fieldManager) bump(s.byFieldManager, r.fieldManager);
    bump(s.byUserAgent, r.userAgent || 'unknown');
  }

  recordStatus(code: number): void {
    bump(this.s.byStatusCode, String(code));
  }

  snapshot(extra: Pick<SimStats, 'watchesOpen' | 'objects' | 'resourceVersion'>): SimStats {
    const s = this.s;
    return {
      requests: s.requests,
      writes: s.writes,
      byVerb: { ...s.byVerb },
      byResource: { ...s.byResource },
      byVerbResource: { ...s.byVerbResource },
      byFieldManager: { ...s.byFieldManager },
      byUserAgent: { ...s.byUserAgent },
      byStatusCode: { ...s.byStatusCode },
      ...extra,
    };
  }

  reset(): void {
    this.s = RequestStats.empty();
  }
}
