import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

export const AUTH_REALM = 'Lostromos dashboard';

/** Constant-time string equality: both sides are hashed first, so neither length nor content leaks. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** Parses an `Authorization: Basic …` header; undefined when absent or malformed. */
export function parseBasicAuth(
  header: string | undefined,
): { username: string; password: string } | undefined {
  const m = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

/**
 * HTTP basic authentication in front of everything (UI, API and static files). Both fields are always compared
 * so a wrong username costs the same time as a wrong password. `onFailure` lets the caller log (never the password).
 */
export function basicAuth(opts: {
  username: string;
  password: string;
  onFailure?: (info: { username: string | undefined; ip: string | undefined }) => void;
}): RequestHandler {
  return (req, res, next) => {
    const creds = parseBasicAuth(req.headers.authorization);
    const userOk = safeEqual(creds?.username ?? '', opts.username);
    const passOk = safeEqual(creds?.password ?? '', opts.password);
    if (creds && userOk && passOk) {
      next();
      return;
    }
    if (creds) opts.onFailure?.({ username: creds.username, ip: req.ip });
    res
      .status(401)
      .set('WWW-Authenticate', `Basic realm="${AUTH_REALM}", charset="UTF-8"`)
      .type('text/plain')
      .send('authentication required\n');
  };
}
