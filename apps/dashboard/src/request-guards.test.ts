import { describe, expect, it } from 'vitest';
import { parseBasicAuth, safeEqual } from './basic-auth.js';
import { checkSameOrigin, stripExternalResources } from './request-guards.js';

describe('checkSameOrigin', () => {
  it('trusts Sec-Fetch-Site when the browser sends it', () => {
    expect(
      checkSameOrigin({ 'sec-fetch-site': 'same-origin', origin: 'https://evil.example', host: 'h' }).ok,
    ).toBe(true);
    expect(checkSameOrigin({ 'sec-fetch-site': 'none' }).ok).toBe(true);
    expect(checkSameOrigin({ 'sec-fetch-site': 'same-site', host: 'h' })).toEqual({
      ok: false,
      reason: 'Sec-Fetch-Site is "same-site"',
    });
    expect(checkSameOrigin({ 'sec-fetch-site': 'cross-site' }).ok).toBe(false);
  });
  it('otherwise compares Origin with Host', () => {
    expect(checkSameOrigin({ origin: 'http://dash:3000', host: 'dash:3000' }).ok).toBe(true);
    expect(checkSameOrigin({ origin: 'http://dash:3001', host: 'dash:3000' }).ok).toBe(false);
    expect(checkSameOrigin({ origin: 'null', host: 'dash:3000' }).ok).toBe(false);
  });
  it('lets non-browser clients (no Origin, no Sec-Fetch-Site) through', () => {
    expect(checkSameOrigin({ host: 'dash:3000' }).ok).toBe(true);
  });
});

describe('basic auth helpers', () => {
  it('parses Basic credentials, keeping colons in the password', () => {
    const header = `Basic ${Buffer.from('admin:pa:ss').toString('base64')}`;
    expect(parseBasicAuth(header)).toEqual({ username: 'admin', password: 'pa:ss' });
    expect(parseBasicAuth('Bearer abc')).toBeUndefined();
    expect(parseBasicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined();
    expect(parseBasicAuth(undefined)).toBeUndefined();
  });
  it('compares strings of any length in constant time', () => {
    expect(safeEqual('secret', 'secret')).toBe(true);
    expect(safeEqual('secret', 'secreT')).toBe(false);
    expect(safeEqual('short', 'a-much-longer-string')).toBe(false);
  });
});

describe('stripExternalResources', () => {
  it("removes links and scripts to other origins and keeps the page's own", () => {
    const html = [
      '<head><base href="/queues/" />',
      '<link rel="icon" href="static/images/logo.svg">',
      '<link href="https://fonts.googleapis.com/css2?family=IBM+Plex+Sans:wght@400&display=swap" rel="stylesheet">',
      "<link rel='stylesheet' href='//cdn.example/x.css'>",
      '<LINK HREF="http://cdn.example/y.css" REL="stylesheet">',
      '<link href="static/css/main.css" rel="stylesheet"></head>',
      '<script src="https://cdn.example/x.js"></script><script defer src="static/js/main.js"></script>',
      '<a href="https://github.com/felixmosh/bull-board">a link is not a request</a>',
    ].join('\n');
    const out = stripExternalResources(html);
    expect(out).not.toMatch(/fonts\.googleapis|cdn\.example/);
    expect(out).toContain('<link rel="icon" href="static/images/logo.svg">');
    expect(out).toContain('<link href="static/css/main.css" rel="stylesheet">');
    expect(out).toContain('<script defer src="static/js/main.js"></script>');
    expect(out).toContain('https://github.com/felixmosh/bull-board');
  });
});
