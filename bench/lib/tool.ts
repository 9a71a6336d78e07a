// What the scenarios need from a tool under test (Lostrómos or a peer): how its CRs look, how to start and
// stop it, which processes it runs. The same 3 children per CR for every tool: ConfigMap, Service and
// Deployment named after the CR, each carrying spec.value (see observe.ts).
import type { BenchCluster } from './cluster.ts';
import { VALUE_ANNOTATION, type KObj } from './observe.ts';

export interface CrType {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

export interface Tool {
  /** Row name, e.g. lostromos-2, kro. */
  name: string;
  /** What runs, with versions, for the table. */
  describe: string;
  /** The identity (APF flow schemas) its requests are counted under. */
  identity: string;
  /** Concurrent reconciles in total. */
  concurrency: number;
  crType: CrType;
  /** A CR whose children must carry `value`. */
  cr(name: string, value: string): Record<string, unknown>;
  /** A JSON merge patch setting spec.value. */
  valuePatch(value: string): Record<string, unknown>;
  /** Whether a CR reports ready; undefined when the tool has no such signal. */
  readyOf: ((cr: KObj) => boolean) | undefined;
  /** CRDs and anything else cluster-wide it needs before start (idempotent). */
  install(cluster: BenchCluster, ns: string): Promise<void>;
  /** Starts its processes; resolves once they are ready to work. */
  start(ns: string): Promise<void>;
  /** Every process of the tool (for CPU and RSS), including helpers such as Redis or a webhook. */
  pids(): number[];
  stop(): Promise<void>;
}

/** A child object as a tool sends it. */
export type ChildObject = Record<string, unknown> & { kind: string; metadata: Record<string, unknown> };

/**
 * The three children of the CR `name` carrying `value` (observe.ts reads it back): what the tools without
 * templates of their own send — metacontroller's sync hook and the floor. (Lostrómos, kro and helm-operator
 * render the same objects from their own templates.)
 */
export function benchChildren(name: string, value: string): ChildObject[] {
  const annotations = { [VALUE_ANNOTATION]: value };
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { value } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, annotations },
      spec: { clusterIP: 'None', selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, annotations },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name: 'app', image: 'nginx:alpine' }] },
        },
      },
    },
  ];
}

export const crPath = (t: CrType, ns: string): string =>
  `/apis/${t.group}/${t.version}/namespaces/${ns}/${t.plural}`;

/** A namespaced CRD with a status subresource and an open schema. */
export function crdFor(t: CrType, printReady = false): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${t.plural}.${t.group}` },
    spec: {
      scope: 'Namespaced',
      group: t.group,
      names: { kind: t.kind, plural: t.plural, singular: t.kind.toLowerCase(), listKind: `${t.kind}List` },
      versions: [
        {
          name: t.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          ...(printReady
            ? {
                additionalPrinterColumns: [
                  {
                    name: 'Ready',
                    type: 'string',
                    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
                  },
                ],
              }
            : {}),
        },
      ],
    },
  };
}

/** Creates (or keeps) a CRD and waits until its collection is served. */
export async function installCrd(
  cluster: BenchCluster,
  crd: Record<string, unknown>,
  t: CrType,
): Promise<void> {
  await cluster.must('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await cluster.request('GET', `/apis/${t.group}/${t.version}/${t.plural}?limit=1`);
    if (r.status === 200) return;
    if (Date.now() > deadline) throw new Error(`CRD ${t.plural}.${t.group} not served within 60 s`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` is truthy. */
export async function until<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
      );
    await sleep(intervalMs);
  }
}

/** Sum of a Prometheus metric's samples (all label sets) in an exposition text. */
export function metricSum(text: string, name: string, labelFilter?: RegExp): number {
  let s = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (labelFilter && !labelFilter.test(line)) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) s += v;
  }
  return s;
}
