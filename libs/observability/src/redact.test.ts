import { describe, expect, it } from 'vitest';
import { REDACTED, isSecretKey, redactSecrets, redactString } from './redact.js';

describe('redactString', () => {
  it('hides the password of a URL but keeps user, host and path', () => {
    expect(redactString('connect redis://admin:hunter2@redis.svc:6379/0 failed')).toBe(
      `connect redis://admin:${REDACTED}@redis.svc:6379/0 failed`,
    );
  });
  it('hides a password-only redis URL and a bare redis userinfo', () => {
    expect(redactString('rediss://:pw123@h:6380')).toBe(`rediss://:${REDACTED}@h:6380`);
    expect(redactString('redis://justapassword@h:6379')).toBe(`redis://${REDACTED}@h:6379`);
  });
  it('hides bearer and basic credentials in free text', () => {
    expect(redactString('Authorization: Bearer eyJhbGciOi.abc.def')).toBe(
      `Authorization: Bearer ${REDACTED}`,
    );
    expect(redactString('header Basic YWRtaW46czNjcmV0')).toBe(`header Basic ${REDACTED}`);
  });
  it('leaves text without credentials untouched', () => {
    const text = 'applied 3 objects to https://kube.example:6443/api in 12ms';
    expect(redactString(text)).toBe(text);
  });
});

describe('redactSecrets', () => {
  it('replaces values under secret keys at any depth, case-insensitively', () => {
    const out = redactSecrets({
      redis: { url: 'redis://u:p@h:1', password: 'x' },
      headers: { Authorization: 'Basic abc', 'X-Api-Key': 'k' },
      list: [{ token: 't' }],
      dashboard: { auth: { passwordFile: '/etc/pw' } },
    });
    expect(out).toEqual({
      redis: { url: `redis://u:${REDACTED}@h:1`, password: REDACTED },
      headers: { Authorization: REDACTED, 'X-Api-Key': REDACTED },
      list: [{ token: REDACTED }],
      dashboard: { auth: { passwordFile: '/etc/pw' } },
    });
  });
  it('hides the data of a Kubernetes Secret but keeps its keys and metadata', () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      data: { a: 'YQ==' },
      stringData: { b: 'c' },
    };
    expect(redactSecrets(secret)).toEqual({ ...secret, data: { a: REDACTED }, stringData: { b: REDACTED } });
  });
  it('does not modify its input and survives cycles', () => {
    const input: Record<string, unknown> = { password: 'p' };
    input.self = input;
    const out = redactSecrets(input);
    expect(input.password).toBe('p');
    expect(out).toEqual({ password: REDACTED, self: '[Circular]' });
  });
  it('knows which keys are secret', () => {
    expect(['password', 'TOKEN', 'client-key-data', 'apiKey', 'cookie'].every(isSecretKey)).toBe(true);
    expect(['passwordFile', 'name', 'tokens_used'].some(isSecretKey)).toBe(false);
  });
});
