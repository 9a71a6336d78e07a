import { describe, expect, it } from 'vitest';
import { parseListenAddress, urlFor } from './listen-address.js';

describe('parseListenAddress', () => {
  it('accepts host:port, [ipv6]:port and :port', () => {
    expect(parseListenAddress('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseListenAddress('localhost:0')).toEqual({ host: 'localhost', port: 0 });
    expect(parseListenAddress('[::1]:3000')).toEqual({ host: '::1', port: 3000 });
    expect(parseListenAddress(':9090')).toEqual({ host: undefined, port: 9090 });
  });
  it('names the field and the expected shape on bad input', () => {
    expect(() => parseListenAddress('8080', 'dashboard.address')).toThrow(
      /invalid dashboard.address "8080": expected host:port/,
    );
    expect(() => parseListenAddress('h:70000')).toThrow(/invalid address/);
    expect(() => parseListenAddress('::1:80')).toThrow(/invalid address/);
  });
  it('builds a reachable URL for wildcard binds', () => {
    expect(urlFor('0.0.0.0', 80)).toBe('http://127.0.0.1:80');
    expect(urlFor(undefined, 81, '/x')).toBe('http://127.0.0.1:81/x');
    expect(urlFor('::1', 82)).toBe('http://[::1]:82');
  });
});
