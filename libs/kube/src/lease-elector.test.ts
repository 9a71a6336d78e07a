import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubeApiError } from './errors.js';
import { LeaseElector, microTime, type LeaseSpec } from './lease-elector.js';
import type { RestClient, RestRequest, RestResponse } from './rest-client.js';

interface StoredLease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/**
 * One Lease held in memory by an API server that stores every write the moment it receives it (on the faked
 * clock) and sends its answer `answerDelay(req)` ms later ('hang': never, until the request is aborted).
 */
function slowAnswers(answerDelay: (req: RestRequest) => number | 'hang'): {
  client: RestClient;
  lease: () => StoredLease | undefined;
  writesSentAt: number[];
} {
  let lease: StoredLease | undefined;
  let rv = 0;
  const writesSentAt: number[] = [];
  const request = async (req: RestRequest): Promise<RestResponse<unknown>> => {
    const delay = answerDelay(req);
    if (delay === 'hang') {
      return new Promise((_, reject) =>
        req.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
      );
    }
    let answer: { status: number; body: unknown } | KubeApiError;
    const fail = (status: number): KubeApiError =>
      new KubeApiError({ status, verb: req.method, path: req.path, message: String(status) });
    const body = req.body as StoredLease | undefined;
    if (req.method === 'GET') answer = lease ? { status: 200, body: structuredClone(lease) } : fail(404);
    else {
      writesSentAt.push(Date.now());
      const current = lease?.metadata.resourceVersion;
      if (req.method === 'POST' ? lease !== undefined : body?.metadata.resourceVersion !== current)
        answer = fail(409);
      else {
        lease = { ...structuredClone(body!), metadata: { ...body!.metadata, resourceVersion: String(++rv) } };
        answer = { status: 200, body: structuredClone(lease) };
      }
    }
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (answer instanceof KubeApiError) throw answer;
    return { ...answer, headers: {} };
  };
  return { client: { request } as unknown as RestClient, lease: () => lease, writesSentAt };
}

const elector = (client: RestClient): LeaseElector =>
  new LeaseElector({
    client,
    namespace: 'default',
    name: 'lease',
    identity: 'me',
    leaseDurationMs: 3000,
    renewDeadlineMs: 2000,
    retryPeriodMs: 1000,
    now: () => Date.now(),
    random: () => 0,
  });

describe('LeaseElector: a renew counts from when it was sent', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      now: 0,
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a slow answer does not stretch leadership: it ends renewDeadline after the send, not after the answer', async () => {
    // The Lease is created at t=0 but the answer takes 1.5 s; every later write is never answered.
    let writes = 0;
    const api = slowAnswers((req) => (req.method === 'GET' ? 0 : writes++ === 0 ? 1500 : 'hang'));
    const e = elector(api.client);
    const started: number[] = [];
    const stopped: number[] = [];
    e.on('started-leading', () => started.push(Date.now()));
    e.on('stopped-leading', () => stopped.push(Date.now()));
    e.start();
    await vi.advanceTimersByTimeAsync(1500);
    expect(started).toEqual([1500]);
    expect(api.writesSentAt).toEqual([0]);
    expect(e.isLeader()).toBe(true);
    await vi.advanceTimersByTimeAsync(499);
    expect(e.isLeader()).toBe(true);
    // A standby that saw the record at t=0 may take over at 3000; we must have stopped by 2000 (the renew
    // sent at 2500 hangs).
    await vi.advanceTimersByTimeAsync(1);
    expect(e.isLeader()).toBe(false);
    expect(stopped).toEqual([2000]);
    expect(api.lease()?.spec?.renewTime).toBe(microTime(0));
    const stop = e.stop();
    await vi.advanceTimersByTimeAsync(10);
    await stop;
  });

  it('an answer that arrives after renewDeadline renews nothing; a timely renew afterwards leads', async () => {
    let writes = 0;
    const api = slowAnswers((req) => (req.method === 'GET' ? 0 : writes++ === 0 ? 2500 : 100));
    const e = elector(api.client);
    const started: number[] = [];
    e.on('started-leading', () => started.push(Date.now()));
    e.start();
    await vi.advanceTimersByTimeAsync(2500);
    // The create was stored at t=0 and answered at 2500: too late to lead on.
    expect(started).toEqual([]);
    expect(e.isLeader()).toBe(false);
    // Next round (t=3500): the Lease still names us, the renew is answered in 100 ms.
    await vi.advanceTimersByTimeAsync(1100);
    expect(started).toEqual([3600]);
    expect(api.writesSentAt).toEqual([0, 3500]);
    expect(api.lease()?.spec?.renewTime).toBe(microTime(3500));
    // Leading, and the stop hands the Lease back.
    expect(e.isLeader()).toBe(true);
    const stop = e.stop();
    await vi.advanceTimersByTimeAsync(1000);
    await stop;
    expect(api.lease()?.spec?.holderIdentity).toBeNull();
  });
});
