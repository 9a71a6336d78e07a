/** A parsed `host:port` listen address. */
export interface ListenAddress {
  /** undefined = every interface (from ":8080"). */
  host: string | undefined;
  port: number;
}

/**
 * Parses `host:port`, `[ipv6]:port` or `:port` (every interface). Port 0 lets the OS pick a free port.
 * Throws an error naming `field` (the config field or flag) and the expected shape.
 */
export function parseListenAddress(address: string, field = 'address'): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(address.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new Error(
      `invalid ${field} "${address}": expected host:port (e.g. 0.0.0.0:8080, 127.0.0.1:3000, [::1]:8080 or :8080)`,
    );
  }
  const host = m[1] ?? (m[2] === '' ? undefined : m[2]);
  return { host, port };
}

/** A URL clients on this machine can use to reach a server bound to `host:port`. */
export function urlFor(host: string | undefined, port: number, path = ''): string {
  const h = host === undefined || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}${path}`;
}
