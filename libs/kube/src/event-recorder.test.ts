import { describe, expect, it } from 'vitest';
import { eventName, KubeEventRecorder } from './event-recorder.js';
import type { KubeObject } from './kube-object.js';
import type { RestClient, RestRequest } from './rest-client.js';

const cr = (name: string, uid = 'uid-1'): KubeObject => ({
  apiVersion: 'fleet.example.io/v1',
  kind: 'Ship',
  metadata: { name, namespace: 'default', uid },
});
const e = { type: 'Warning' as const, reason: 'RenderFailed', message: 'boom' };
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

describe('eventName', () => {
  it('is the same for the same CR and event in every process, and differs otherwise', () => {
    const name = eventName(cr('nautilus'), e, 'lostromos');
    expect(name).toMatch(/^nautilus\.[0-9a-f]{16}$/);
    expect(eventName(cr('nautilus'), { ...e }, 'lostromos')).toBe(name);
    expect(eventName(cr('nautilus', 'uid-2'), e, 'lostromos')).not.toBe(name);
    expect(eventName(cr('nautilus'), { ...e, message: 'boom!' }, 'lostromos')).not.toBe(name);
    expect(eventName(cr('nautilus'), { ...e, reason: 'Created' }, 'lostromos')).not.toBe(name);
    expect(eventName(cr('nautilus'), { ...e, type: 'Normal' }, 'lostromos')).not.toBe(name);
  });

  it('stays a valid DNS subdomain of at most 253 characters for the longest CR names', () => {
    for (const long of [
      'a'.repeat(253),
      `${'b'.repeat(235)}-x.y`,
      `${'c'.repeat(236)}.d`,
      `${'e'.repeat(235)}-.f`,
    ]) {
      const name = eventName(cr(long), e, 'lostromos');
      expect(name.length).toBeLessThanOrEqual(253);
      expect(name).toMatch(DNS_SUBDOMAIN);
    }
  });
});

describe('KubeEventRecorder', () => {
  it('writes bidi and invisible characters of the note as \\uXXXX, so `kubectl get events` shows what it says', async () => {
    const sent: RestRequest[] = [];
    const client = {
      request: (req: RestRequest) => {
        sent.push(req);
        return Promise.resolve({ status: 201, headers: {}, body: {} });
      },
    } as unknown as RestClient;
    const recorder = new KubeEventRecorder({ client, instance: 'worker-1' });
    await recorder.record(cr('nautilus'), { ...e, message: 'label "abc\u202Edef\u0085" is invalid' });
    expect(sent).toHaveLength(1);
    expect((sent[0]?.body as { message: string }).message).toBe('label "abc\\u202Edef\\u0085" is invalid');
  });
});
