/** Where an API request goes, parsed from its path (before the resource is looked up). */
export type Route =
  | { type: 'version' | 'api' | 'apis' | 'health' | 'openapi-v2' | 'openapi-v3-root' }
  | { type: 'openapi-v3'; group: string; version: string }
  | { type: 'group'; group: string }
  | { type: 'resource-list'; group: string; version: string }
  | {
      type: 'resource';
      group: string;
      version: string;
      namespace: string;
      plural: string;
      name: string;
      subresource: string;
      watchPath: boolean;
    }
  | { type: 'admin'; action: string }
  | { type: 'unknown' };

/** The path and query of a request URL (cheaper than WHATWG URL on the hot path). */
export interface RequestUrl {
  pathname: string;
  searchParams: URLSearchParams;
}

export function parseRequestUrl(raw: string): RequestUrl {
  const q = raw.indexOf('?');
  return q < 0
    ? { pathname: raw, searchParams: new URLSearchParams() }
    : { pathname: raw.slice(0, q), searchParams: new URLSearchParams(raw.slice(q + 1)) };
}

export function parseRoute(pathname: string): Route {
  const segs = pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => (s.includes('%') ? decodeURIComponent(s) : s));
  const [a, b, c] = segs;
  if (a === 'version' && segs.length === 1) return { type: 'version' };
  if ((a === 'healthz' || a === 'livez' || a === 'readyz') && segs.length <= 2) return { type: 'health' };
  if (a === '_sim') return { type: 'admin', action: segs.slice(1).join('/') };
  if (a === 'openapi') {
    if (b === 'v2' && segs.length === 2) return { type: 'openapi-v2' };
    if (b === 'v3' && segs.length === 2) return { type: 'openapi-v3-root' };
    if (b === 'v3' && segs[2] === 'api' && segs.length === 4)
      return { type: 'openapi-v3', group: '', version: segs[3]! };
    if (b === 'v3' && segs[2] === 'apis' && segs.length === 5)
      return { type: 'openapi-v3', group: segs[3]!, version: segs[4]! };
    return { type: 'unknown' };
  }
  if (a === 'api') {
    if (segs.length === 1) return { type: 'api' };
    if (segs.length === 2) return { type: 'resource-list', group: '', version: b! };
    return resourceRoute('', b!, segs.slice(2));
  }
  if (a === 'apis') {
    if (segs.length === 1) return { type: 'apis' };
    if (segs.length === 2) return { type: 'group', group: b! };
    if (segs.length === 3) return { type: 'resource-list', group: b!, version: c! };
    return resourceRoute(b!, c!, segs.slice(3));
  }
  return { type: 'unknown' };
}

function resourceRoute(group: string, version: string, rest: string[]): Route {
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace = '';
  // /namespaces/{ns}/{plural}/... addresses namespaced resources; /namespaces/{name}[/status|/finalize] the namespace itself.
  if (
    group === '' &&
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))
  ) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  } else if (group !== '' && rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1]!;
    rest = rest.slice(2);
  }
  if (rest.length === 0 || rest.length > 3) return { type: 'unknown' };
  return {
    type: 'resource',
    group,
    version,
    namespace,
    plural: rest[0]!,
    name: rest[1] ?? '',
    subresource: rest[2] ?? '',
    watchPath,
  };
}
