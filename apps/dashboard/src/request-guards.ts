import type { RequestHandler } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// Bull Board's UI is a same-origin SPA; nothing is loaded from elsewhere (its Google Fonts link is removed from
// the page by stripExternalResources, and this policy would block it anyway: an operations console should not
// call third parties). Styles need 'unsafe-inline' for the loading screen's style attributes.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

// A <link> or <script> whose URL is absolute (`https://…`, `http://…`) or protocol-relative (`//…`).
const EXTERNAL_RESOURCE =
  /<link\b[^>]*\bhref\s*=\s*["']?(?:[a-z][a-z0-9+.-]*:)?\/\/[^>]*>|<script\b[^>]*\bsrc\s*=\s*["']?(?:[a-z][a-z0-9+.-]*:)?\/\/[^>]*>\s*<\/script>/gi;

/**
 * Removes every `<link>` and `<script>` that would load something from another origin (Bull Board's page links
 * Google Fonts): the page then makes no request the CSP would have to block, and the UI uses system fonts.
 */
export function stripExternalResources(html: string): string {
  return html.replace(EXTERNAL_RESOURCE, '');
}

/** Security headers on every response, including 401s. */
export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    res.set({
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
      'Cache-Control': 'no-store',
    });
    next();
  };
}

export type CrossSiteVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Decides whether a state-changing request may come from this origin. Browsers attach basic-auth credentials
 * to cross-site requests, so a malicious page could POST to Bull Board's API on the operator's behalf:
 * - `Sec-Fetch-Site` (all current browsers) must be `same-origin` (or `none`: typed by the user);
 * - otherwise `Origin`, when present, must equal this server's origin (by Host header);
 * - a request with neither header does not come from a browser page (curl, scripts) and is allowed.
 */
export function checkSameOrigin(headers: {
  'sec-fetch-site'?: string | undefined;
  origin?: string | undefined;
  host?: string | undefined;
}): CrossSiteVerdict {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) {
    return site === 'same-origin' || site === 'none'
      ? { ok: true }
      : { ok: false, reason: `Sec-Fetch-Site is "${site}"` };
  }
  const origin = headers.origin;
  if (origin === undefined) return { ok: true };
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return { ok: false, reason: `Origin "${origin}" is not a URL` };
  }
  return originHost !== '' && originHost === headers.host
    ? { ok: true }
    : { ok: false, reason: `Origin "${origin}" does not match host "${headers.host ?? ''}"` };
}

/** Refuses cross-site state-changing requests with 403 (see {@link checkSameOrigin}). */
export function sameOriginForUnsafeMethods(onRefused?: (reason: string) => void): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const verdict = checkSameOrigin({
      'sec-fetch-site': req.get('sec-fetch-site'),
      origin: req.get('origin'),
      host: req.get('host'),
    });
    if (verdict.ok) {
      next();
      return;
    }
    onRefused?.(verdict.reason);
    res.status(403).json({ error: 'cross-site request refused', reason: verdict.reason });
  };
}

/** In read-only mode every state-changing request is refused, whatever Bull Board would allow. */
export function readOnlyGuard(): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    res.status(403).json({
      error: 'the dashboard is read-only',
      hint: 'set dashboard.readOnly: false to allow retry, clean and promote',
    });
  };
}
