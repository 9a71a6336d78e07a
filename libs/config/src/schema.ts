import { z } from 'zod';
import { labelSelectorProblem } from './label-selector.js';
import { LOG_LEVELS, ROLES } from './types.js';

// Kubernetes name rules (RFC 1123), so a typo is caught at load time instead of as an API error later.
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VERSION = /^v[0-9]+((alpha|beta)[0-9]+)?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):[0-9]{1,5}$/;
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

const label = (what: string): z.ZodString =>
  z
    .string()
    .max(63, `must be at most 63 characters (${what})`)
    .regex(DNS_LABEL, `must be a DNS label: lower-case letters, digits and '-' (${what})`);

const hostPort = z
  .string()
  .regex(HOST_PORT, 'must be host:port, e.g. 0.0.0.0:8080')
  .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535, 'port must be at most 65535');

const urlPath = z.string().regex(/^\/[^\s?#]*$/, 'must be a URL path starting with "/", e.g. /metrics');
const seconds = (min: number): z.ZodNumber => z.number().int('must be a whole number').min(min);
const values = z.record(z.string(), z.unknown());

const REDIS_URL_HINT = 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379';

/** Why `s` is not a usable Redis URL, or undefined. */
export function redisUrlProblem(s: string): string | undefined {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    const port = /^[a-z]+:\/\/[^/]*:([0-9]+)(\/|$)/i.exec(s)?.[1];
    if (port !== undefined && Number(port) > 65535)
      return `the port ${port} is above 65535: ${REDIS_URL_HINT}`;
    return REDIS_URL_HINT;
  }
  if ((u.protocol !== 'redis:' && u.protocol !== 'rediss:') || u.hostname === '') return REDIS_URL_HINT;
  if (!/^\/?([0-9]{1,5})?$/.test(u.pathname))
    return 'the path of a Redis URL is the database number, e.g. redis://127.0.0.1:6379/0 (or no path for database 0)';
  return undefined;
}

const redisUrl = z.string().superRefine((s, ctx) => {
  const problem = redisUrlProblem(s);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_SENTINEL_PORT = 26379;

const SENTINEL_HINT =
  'must be "host:port" of a Redis Sentinel or {host, port}, e.g. sentinel-0.sentinel:26379 (port default 26379)';

/** A Sentinel address: "host:port", "host" (port 26379), "[v6]:port", or {host, port}. Else a message. */
export function parseSentinelAddress(v: unknown): { host: string; port: number } | string {
  let host: unknown;
  let port: unknown = DEFAULT_SENTINEL_PORT;
  if (typeof v === 'string') {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9._-]+))(?::([0-9]{1,5}))?$/.exec(v.trim());
    if (!m) return SENTINEL_HINT;
    host = m[1] ?? m[2];
    if (m[3] !== undefined) port = Number(m[3]);
  } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => k !== 'host' && k !== 'port');
    if (unknown.length > 0) return `unknown field ${unknown.join(', ')} (a Sentinel is {host, port})`;
    host = o.host;
    if (o.port !== undefined) port = o.port;
    if (typeof host !== 'string' || !/^[A-Za-z0-9._:-]+$/.test(host))
      return 'host: must be a host name or IP address of a Redis Sentinel';
  } else {
    return SENTINEL_HINT;
  }
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    return 'port must be a whole number from 1 to 65535 (Sentinels listen on 26379 by default)';
  return { host: host as string, port };
}

const sentinelAddress = z.unknown().transform((v, ctx) => {
  const r = parseSentinelAddress(v);
  if (typeof r === 'string') {
    ctx.addIssue({ code: 'custom', message: r });
    return z.NEVER;
  }
  return r;
});

const helmSource = z.strictObject({
  chart: z.string().min(1, 'required (a chart directory, a .tgz, repo/name or oci://…)'),
  version: z.string().min(1).optional(),
  releaseName: z
    .string()
    .max(53, 'must be at most 53 characters (a Helm release name)')
    .regex(DNS_LABEL, 'must be a DNS label (a Helm release name)')
    .optional(),
  releasePrefix: z
    .string()
    .max(30, 'must be at most 30 characters')
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be lower-case letters, digits and "-"')
    .optional(),
  values: values.default({}),
  valuesFrom: z.array(z.string().min(1)).optional(),
  checkValues: z.boolean().optional(),
});

export const resourceSchema = z.strictObject({
  name: label('the resource name is a queue name and a metrics label, e.g. characters'),
  group: z
    .string()
    .regex(DNS_SUBDOMAIN, 'must be a DNS subdomain, e.g. stable.example.io')
    .refine((s) => s.includes('.'), 'must contain a dot (a CRD group is a domain, e.g. stable.example.io)'),
  version: z.string().regex(VERSION, 'must be a Kubernetes API version, e.g. v1 or v1alpha1'),
  plural: label('the plural of the CRD, e.g. characters'),
  kind: z.string().regex(KIND, 'must be a Kind in PascalCase, e.g. Character').optional(),
  namespace: z.union([z.literal(''), label('a namespace')]).default(''),
  labelSelector: z
    .string()
    .superRefine((s, ctx) => {
      const problem = labelSelectorProblem(s);
      if (problem)
        ctx.addIssue({
          code: 'custom',
          message: `must be a Kubernetes label selector, e.g. team=a,tier!=db or env in (prod,staging): ${problem}`,
        });
    })
    .default(''),
  filterAnnotation: z
    .union([
      z.literal(''),
      z.string().regex(QUALIFIED_NAME, 'must be an annotation key, e.g. example.io/managed'),
    ])
    .default(''),
  templates: z.string().min(1, 'must be a folder of templates').optional(),
  helm: helmSource.optional(),
  values: values.default({}),
  resyncSeconds: seconds(0).default(600),
  concurrency: seconds(1).max(256, 'must be at most 256').default(8),
  rollout: z
    .strictObject({
      batchSize: z
        .union([
          z.number().int('must be a whole number of CRs').min(1, 'must be at least 1 CR'),
          z
            .string()
            .regex(
              /^(100|[1-9][0-9]?)%$/,
              'must be a number of CRs (e.g. 10) or a percentage of the resource\'s CRs from 1% to 100% (e.g. "25%")',
            ),
        ])
        .default('25%'),
      pauseSeconds: seconds(0).default(0),
      maxFailures: seconds(0).default(0),
      readiness: z.boolean().default(true),
      readinessTimeoutSeconds: seconds(1).default(600),
    })
    .optional(),
  allow: z
    .strictObject({
      namespaces: z.array(z.union([z.literal('*'), label('a namespace')])).default([]),
      clusterScoped: z.boolean().default(false),
      kinds: z
        .array(z.string().regex(/^([a-z0-9.-]+\/)?[A-Z][A-Za-z0-9]*$/, 'must be Kind or group/Kind'))
        .default([]),
    })
    .prefault({}),
});

export const configSchema = z.strictObject({
  role: z.enum(ROLES).default('all'),
  redis: z
    .strictObject({
      // No default here: whether it was set decides between plain and Sentinel mode (finish-config fills it).
      url: redisUrl.optional(),
      sentinels: z.array(sentinelAddress).optional(),
      sentinelName: z
        .string()
        .regex(/^[^\s]+$/, 'must be the master group name the Sentinels monitor, e.g. mymaster')
        .optional(),
      sentinelUsername: z.string().min(1).optional(),
      sentinelPasswordFile: z.string().min(1).optional(),
      sentinelTls: z.boolean().optional(),
      db: z.number().int('must be a whole number').min(0).optional(),
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, "_", "." or "-"')
        .default('lostromos'),
      tls: z.boolean().optional(),
      passwordFile: z.string().min(1).optional(),
      username: z.string().min(1).optional(),
    })
    .prefault({}),
  kubernetes: z
    .strictObject({
      kubeconfig: z.string().default(''),
      context: z.string().default(''),
      // 0 = no client-side limit (the default, as controller-runtime >= 0.21): the API server protects itself
      // with API Priority and Fairness, answering 429 + Retry-After, which the client honours; worker
      // concurrency bounds the requests in flight. docs/performance.md has the figures behind this default.
      qps: z.number().min(0, 'must be 0 (no client-side limit) or greater').default(0),
      burst: seconds(1).default(200),
    })
    .prefault({}),
  leaderElection: z
    .strictObject({
      namespace: label('a namespace').default('default'),
      leaseName: z.string().regex(DNS_SUBDOMAIN, 'must be a DNS subdomain').default('lostromos-watcher'),
      identity: z.string().default(''),
      leaseDurationSeconds: seconds(1).default(15),
      renewDeadlineSeconds: seconds(1).default(10),
      retryPeriodSeconds: seconds(1).default(2),
      shards: z
        .number({ error: 'must be a whole number from 1 to 64' })
        .int('must be a whole number from 1 to 64')
        .min(1, 'must be at least 1')
        .max(64, 'must be at most 64')
        .default(1),
    })
    .prefault({}),
  server: z
    .strictObject({
      address: hostPort.default('0.0.0.0:8080'),
      metricsPath: urlPath.default('/metrics'),
      statusPath: urlPath.default('/status'),
    })
    .prefault({}),
  dashboard: z
    .strictObject({
      address: hostPort.default('0.0.0.0:3000'),
      basePath: urlPath.default('/'),
      readOnly: z.boolean().default(true),
      auth: z
        .strictObject({
          mode: z.enum(['basic', 'none']).default('basic'),
          username: z.string().min(1).default('admin'),
          passwordFile: z.string().min(1).optional(),
          password: z.string().min(1).optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(LOG_LEVELS).default('info'),
      format: z.enum(['json', 'pretty']).default('json'),
    })
    .prefault({}),
  worker: z
    .strictObject({
      resources: z.array(z.string()).default([]),
      shutdownGraceSeconds: seconds(0).default(30),
      lockDurationMs: seconds(1000).default(30_000),
    })
    .prefault({}),
  helm: z
    .strictObject({
      binary: z.string().default(''),
      timeoutSeconds: seconds(1).default(30),
      maxConcurrent: seconds(1).max(64, 'must be at most 64').default(4),
    })
    .prefault({}),
  resources: z.array(resourceSchema).default([]),
});

export type ParsedConfig = z.output<typeof configSchema>;

/** Hints appended to "required": what the field is, with an example. Keyed by path with [] for indices. */
export const REQUIRED_HINTS: Record<string, string> = {
  'resources[].name': 'a short name for this resource, used for its queue and metrics, e.g. characters',
  'resources[].group': 'the API group of the CRD, e.g. stable.example.io',
  'resources[].version': 'the served version of the CRD, e.g. v1',
  'resources[].plural': 'the plural resource name of the CRD, e.g. characters',
  'resources[].helm.chart': 'a chart directory, a .tgz, repo/name or oci://…',
};
