import type { ClusterReader, ClusterWriter, EventRecorder } from '@lostromos/reconcile';

/** The ports one reconcile gets, and how many API requests it sent through them so far. */
export interface CountedPorts {
  reader: ClusterReader;
  writer: ClusterWriter;
  events: EventRecorder;
  /** Requests sent so far: one per port call, discovery lookups (`isNamespaced`) excluded. */
  requests(): number;
}

/** Port calls that send no API request of their own (discovery answers from its cache). */
const NOT_A_REQUEST = new Set<PropertyKey>(['isNamespaced']);

/**
 * Wraps one reconcile's ports to count the API requests it sends (lostromos_recheck_requests_total: what the
 * reconciles that found nothing to apply cost). Each ClusterReader/ClusterWriter call is one request; an Event
 * is counted as one (a repeated Event costs a read and a patch, rare in such a reconcile). A proxy rather than
 * a list of methods, so a port method added later is counted too.
 */
export function countedPorts(ports: ClusterReader & ClusterWriter, events: EventRecorder): CountedPorts {
  let n = 0;
  const counting = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(t, prop, receiver) {
        const value: unknown = Reflect.get(t, prop, receiver);
        if (typeof value !== 'function' || NOT_A_REQUEST.has(prop)) return value;
        return (...args: unknown[]): unknown => {
          n += 1;
          return (value as (...a: unknown[]) => unknown).apply(t, args);
        };
      },
    });
  const cluster = counting(ports);
  return { reader: cluster, writer: cluster, events: counting(events), requests: () => n };
}
