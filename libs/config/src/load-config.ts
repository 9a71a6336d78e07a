import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML, { LineCounter, isMap, isNode, isPair, isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigErrorCode, type ConfigIssue } from './config-error.js';
import { closest } from './closest.js';
import { deepFreeze } from './deep-freeze.js';
import { CONFIG_FIELDS, RESOURCE_FLAGS, resourceFlagEnv, type ConfigField } from './fields.js';
import { CONFIG_FLAGS, parseBoolean, parseFlags, type FlagSpec, type FlagValue } from './flags.js';
import { configSchema, REQUIRED_HINTS, type ParsedConfig } from './schema.js';
import type { LostromosConfig, ResourceConfig } from './types.js';

export interface ConfigSourceOptions {
  /** Command-line arguments after the sub-command (config flags plus `extraFlags`). */
  argv?: readonly string[];
  /** Environment; only `LOSTROMOS_*` and `HOME` are read. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Config file; default `--config`, then `LOSTROMOS_CONFIG`, else none. */
  configFile?: string;
  /** Base of relative paths given by flags or env; default process.cwd(). */
  cwd?: string;
  /** Command-specific flags that argv may also contain (validated here, ignored by the config). */
  extraFlags?: readonly FlagSpec[];
  /** For the default leader-election identity `<hostname>-<pid>`. */
  hostname?: string;
  pid?: number;
}

export interface ParseConfigOptions extends Omit<ConfigSourceOptions, 'configFile'> {
  /** Path of the file `yamlText` came from: named in errors and the base of its relative paths. */
  file?: string;
}

type Raw = Record<string, unknown>;
type PathKey = readonly (string | number)[];

const SERVICE_LINK_ENV =
  /_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\d+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)?)$/;
const LOCAL_CHART = /^(\.{1,2}\/|\/|~\/)|\.(tgz|tar\.gz)$|^\.{1,2}$/;

export function formatPath(p: PathKey): string {
  let out = '';
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

function setIn(obj: Raw, p: readonly string[], value: unknown): void {
  let cur = obj;
  for (const key of p.slice(0, -1)) {
    const next = cur[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Raw;
  }
  cur[p[p.length - 1]!] = value;
}

function getIn(obj: unknown, p: PathKey): unknown {
  let cur = obj;
  for (const key of p) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

/** Where a config path came from, for error messages. */
class Sources {
  private readonly overrides = new Map<string, string>();
  constructor(
    private readonly file: string | undefined,
    private readonly doc: Document | undefined,
    private readonly lines: LineCounter | undefined,
  ) {}

  set(p: PathKey, where: string): void {
    this.overrides.set(formatPath(p), where);
  }

  where(p: PathKey): string | undefined {
    for (let n = p.length; n >= 0; n--) {
      const hit = this.overrides.get(formatPath(p.slice(0, n)));
      if (hit) return hit;
    }
    if (!this.doc || !this.lines || !this.file) return this.file;
    for (let n = p.length; n >= 0; n--) {
      const node: unknown = n === 0 ? this.doc.contents : this.doc.getIn(p.slice(0, n), true);
      if (isNode(node) && node.range) return `${this.file}:${this.lines.linePos(node.range[0]).line}`;
    }
    return this.file;
  }

  /** Line of a key inside a mapping (for unknown fields). */
  whereKey(parent: PathKey, key: string): string | undefined {
    if (this.doc && this.lines && this.file) {
      const map: unknown = parent.length === 0 ? this.doc.contents : this.doc.getIn(parent, true);
      if (isMap(map)) {
        const pair = map.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === key);
        if (pair && isScalar(pair.key) && pair.key.range) {
          return `${this.file}:${this.lines.linePos(pair.key.range[0]).line}`;
        }
      }
    }
    return this.where([...parent, key]);
  }
}

function fail(code: ConfigErrorCode, issues: ConfigIssue[]): never {
  throw new ConfigError(code, issues);
}

function convert(
  text: string,
  f: ConfigField,
  where: string,
  base: string,
  home: string | undefined,
): unknown {
  switch (f.type) {
    case 'boolean': {
      const b = parseBoolean(text);
      if (b === undefined) {
        fail('LZ_CONFIG_ENV', [
          { path: formatPath(f.path), message: `expected true or false, got "${text}"`, where },
        ]);
      }
      return b;
    }
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) {
        fail('LZ_CONFIG_ENV', [
          { path: formatPath(f.path), message: `expected a number, got "${text}"`, where },
        ]);
      }
      return n;
    }
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'path':
      return resolvePath(text, base, home);
    default:
      return text;
  }
}

function resolvePath(p: string, base: string, home: string | undefined): string {
  if (p === '') return p;
  if (p === '~' || p.startsWith('~/')) return home ? path.join(home, p.slice(1)) : p;
  return path.resolve(base, p);
}

const FIELD_BY_ENV = new Map(CONFIG_FIELDS.flatMap((f) => f.env.map((e) => [e, f] as const)));
const RESOURCE_FLAG_BY_ENV = new Map(RESOURCE_FLAGS.map((r) => [resourceFlagEnv(r.flag), r] as const));
const KNOWN_ENV = [
  'LOSTROMOS_CONFIG',
  'LOSTROMOS_RESOURCES',
  ...FIELD_BY_ENV.keys(),
  ...RESOURCE_FLAG_BY_ENV.keys(),
];

/**
 * Validates `yamlText` (the config file's content; "" for none) with env and flag overrides applied:
 * precedence flags > env > file > defaults. Returns a deep-frozen config with every default filled and
 * every path absolute. Throws ConfigError listing every problem, first one in the message.
 */
export function parseConfig(yamlText: string, opts: ParseConfigOptions = {}): LostromosConfig {
  const env = opts.env ?? {};
  const cwd = opts.cwd ?? process.cwd();
  const home = env.HOME;
  const file = opts.file === undefined ? undefined : path.resolve(cwd, opts.file);
  const { flags } = parseFlags(opts.argv ?? [], [...CONFIG_FLAGS, ...(opts.extraFlags ?? [])]);

  // 1. The file.
  const lines = new LineCounter();
  let doc: Document | undefined;
  let raw: Raw = {};
  if (yamlText.trim() !== '') {
    doc = YAML.parseDocument(yamlText, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      fail(
        'LZ_CONFIG_YAML',
        doc.errors.map((e) => ({
          path: '',
          message: `not valid YAML: ${e.message.split('\n')[0]}`,
          where: file ? `${file}:${e.linePos?.[0].line ?? 1}` : undefined,
        })),
      );
    }
    const js: unknown = doc.toJS({ maxAliasCount: 100 });
    if (js !== null && js !== undefined) {
      if (typeof js !== 'object' || Array.isArray(js)) {
        fail('LZ_CONFIG_INVALID', [
          { path: '', message: 'the config file must be a YAML mapping (key: value)', where: file },
        ]);
      }
      raw = js as Raw;
    }
  }
  const sources = new Sources(file, doc, lines);
  const fileHadResources = Array.isArray(raw.resources) && raw.resources.length > 0;

  // 2. Env, then 3. flags, each overriding what came before.
  const resourceOverrides = new Map<string, { value: string; where: string }>();
  const envIssues: ConfigIssue[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('LOSTROMOS_') || value === undefined || name === 'LOSTROMOS_CONFIG') continue;
    const where = `env ${name}`;
    const f = FIELD_BY_ENV.get(name);
    if (f) {
      setIn(raw, f.path, convert(value, f, where, cwd, home));
      sources.set(f.path, where);
      continue;
    }
    const r = RESOURCE_FLAG_BY_ENV.get(name);
    if (r) {
      resourceOverrides.set(r.flag, { value, where });
      continue;
    }
    if (name === 'LOSTROMOS_RESOURCES') {
      try {
        raw.resources = YAML.parse(value) as unknown;
      } catch (err) {
        fail('LZ_CONFIG_ENV', [
          { path: 'resources', message: `not valid YAML/JSON: ${(err as Error).message}`, where },
        ]);
      }
      sources.set(['resources'], where);
      continue;
    }
    // Kubernetes injects LOSTROMOS_SERVICE_HOST etc. for a Service named "lostromos": not ours to judge.
    if (SERVICE_LINK_ENV.test(name)) continue;
    const suffix = closest(
      name.slice('LOSTROMOS_'.length),
      KNOWN_ENV.map((k) => k.slice('LOSTROMOS_'.length)),
    );
    const hint = suffix === undefined ? undefined : `LOSTROMOS_${suffix}`;
    envIssues.push({
      path: '',
      message: `unknown environment variable ${name}${hint ? ` (did you mean ${hint}?)` : ''}`,
      where,
    });
  }
  if (envIssues.length > 0) fail('LZ_CONFIG_ENV', envIssues);

  for (const f of CONFIG_FIELDS) {
    for (const flag of f.flags) {
      const v: FlagValue | undefined = flags[flag];
      if (v === undefined) continue;
      const where = `flag --${flag}`;
      setIn(raw, f.path, f.type === 'path' ? resolvePath(String(v), cwd, home) : v);
      sources.set(f.path, where);
    }
  }
  for (const r of RESOURCE_FLAGS) {
    const v = flags[r.flag];
    if (typeof v === 'string') resourceOverrides.set(r.flag, { value: v, where: `flag --${r.flag}` });
  }

  // 4. Single-CRD flags build the one resource.
  if (resourceOverrides.size > 0) {
    const first = [...resourceOverrides.values()][0]!;
    if (fileHadResources) {
      fail('LZ_CONFIG_CONFLICT', [
        {
          path: 'resources',
          message: `${first.where} builds a single resource, but the config file already lists resources: use one or the other`,
          where: first.where,
        },
      ]);
    }
    const res: Raw = {};
    for (const r of RESOURCE_FLAGS) {
      const o = resourceOverrides.get(r.flag);
      if (!o) continue;
      setIn(res, r.key.split('.'), r.type === 'path' ? resolvePath(o.value, cwd, home) : o.value);
      sources.set(['resources', 0, ...r.key.split('.')], o.where);
    }
    if (res.plural === undefined && typeof res.name === 'string') res.plural = res.name;
    if (res.helm && typeof res.helm === 'object') {
      const chart = (res.helm as Raw).chart;
      if (typeof chart === 'string' && LOCAL_CHART.test(chart))
        (res.helm as Raw).chart = resolvePath(chart, cwd, home);
    }
    raw.resources = [res];
  }

  // 5. Schema.
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((i) => toIssues(i, raw, sources));
    const unknownOnly = parsed.error.issues.every((i) => i.code === 'unrecognized_keys');
    fail(unknownOnly ? 'LZ_CONFIG_UNKNOWN_FIELD' : 'LZ_CONFIG_INVALID', issues);
  }
  const cfg = parsed.data;

  // 6. Rules across fields, defaults that depend on other fields, paths made absolute.
  const issues = crossFieldIssues(cfg, sources);
  if (issues.length > 0) fail('LZ_CONFIG_INVALID', issues);
  const base = file ? path.dirname(file) : cwd;
  return deepFreeze(finish(cfg, { base, home, file, hostname: opts.hostname, pid: opts.pid }));
}

/** Reads the config file (if any) and calls parseConfig. */
export function loadConfig(opts: ConfigSourceOptions = {}): LostromosConfig {
  const cwd = opts.cwd ?? process.cwd();
  const { flags } = parseFlags(opts.argv ?? [], [...CONFIG_FLAGS, ...(opts.extraFlags ?? [])]);
  const flagFile = flags.config;
  const file =
    opts.configFile ?? (typeof flagFile === 'string' ? flagFile : undefined) ?? opts.env?.LOSTROMOS_CONFIG;
  let text = '';
  if (file !== undefined && file !== '') {
    const abs = path.resolve(cwd, file);
    try {
      text = fs.readFileSync(abs, 'utf8');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why =
        e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory, not a file' : e.message;
      throw new ConfigError(
        'LZ_CONFIG_FILE',
        [{ path: '', message: `cannot read config file ${abs}: ${why}` }],
        { cause: err },
      );
    }
    return parseConfig(text, { ...opts, cwd, file: abs });
  }
  return parseConfig(text, { ...opts, cwd });
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return `${typeof v} ${JSON.stringify(v) ?? String(typeof v)}`;
}

function toIssues(issue: z.core.$ZodIssue, raw: Raw, sources: Sources): ConfigIssue[] {
  const p = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  const shape = formatPath(p.map((s) => (typeof s === 'number' ? -1 : s))).replace(/\[-1\]/g, '[]');
  if (issue.code === 'unrecognized_keys') {
    const parentValue = getIn(raw, p);
    const known = knownKeys(p);
    return issue.keys.map((key) => {
      const hint = closest(
        key,
        known.filter((k) => !(parentValue && typeof parentValue === 'object' && k in parentValue)),
      );
      return {
        path: formatPath([...p, key]),
        message: hint
          ? `unknown field (did you mean ${hint}?)`
          : `unknown field${known.length ? ` (valid fields here: ${known.join(', ')})` : ''}`,
        where: sources.whereKey(p, key),
      };
    });
  }
  const value = getIn(raw, p);
  let message: string;
  if (issue.code === 'invalid_type' && value === undefined) {
    const hint = REQUIRED_HINTS[shape];
    message = `required${hint ? ` (${hint})` : ''}`;
  } else if (issue.code === 'invalid_type' && issue.expected === 'int') {
    message = `must be a whole number; got ${describe(value)}`;
  } else if (issue.code === 'too_small' && issue.message.startsWith('Too small')) {
    message =
      issue.origin === 'string'
        ? 'must not be empty'
        : `must be at least ${String(issue.minimum)}; got ${describe(value)}`;
  } else if (issue.code === 'too_big' && issue.message.startsWith('Too big')) {
    message = `must be at most ${String(issue.maximum)}; got ${describe(value)}`;
  } else if (issue.code === 'invalid_type') {
    message = `expected ${issue.expected}, got ${describe(value)}`;
  } else if (issue.code === 'invalid_value') {
    message = `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}; got ${describe(value)}`;
  } else if (issue.code === 'invalid_union') {
    // Our unions are "" or a pattern: report the pattern's message.
    const inner = issue.errors.flat().find((e) => e.code !== 'invalid_value');
    message = `${inner?.message ?? issue.message}; got ${describe(value)}`;
  } else {
    message = `${issue.message}; got ${describe(value)}`;
  }
  return [{ path: formatPath(p), message, where: sources.where(p) }];
}

/** Field names valid at a path of the config, for "did you mean" hints. */
function knownKeys(p: PathKey): string[] {
  let schema: unknown = configSchema;
  for (const seg of p) {
    schema = unwrap(schema);
    if (typeof seg === 'number') schema = (schema as { element?: unknown }).element;
    else schema = (schema as { shape?: Record<string, unknown> }).shape?.[seg];
  }
  const shape = (unwrap(schema) as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: { innerType?: unknown } } | undefined;
  for (let n = 0; n < 5 && s; n++) {
    const inner = s.def?.innerType as { def?: { innerType?: unknown } } | undefined;
    if (!inner) break;
    s = inner;
  }
  return s;
}

function crossFieldIssues(cfg: ParsedConfig, sources: Sources): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const names = new Map<string, number>();
  const crds = new Map<string, number>();
  cfg.resources.forEach((r, i) => {
    const at = (...p: (string | number)[]): { path: string; where: string | undefined } => ({
      path: formatPath(['resources', i, ...p]),
      where: sources.where(['resources', i, ...p]),
    });
    const prev = names.get(r.name);
    if (prev !== undefined) {
      issues.push({
        ...at('name'),
        message: `duplicate resource name "${r.name}" (also resources[${prev}].name): names must be unique`,
      });
    } else names.set(r.name, i);
    const crd = `${r.plural}.${r.group}`;
    const prevCrd = crds.get(crd);
    if (prevCrd !== undefined) {
      issues.push({
        ...at('plural'),
        message: `CRD ${crd} is already handled by resources[${prevCrd}]: one resource per CRD`,
      });
    } else crds.set(crd, i);
    if (r.templates === undefined && r.helm === undefined) {
      issues.push({
        ...at(),
        message: 'set one of templates (a folder of Handlebars templates) or helm (a chart)',
      });
    } else if (r.templates !== undefined && r.helm !== undefined) {
      issues.push({ ...at('helm'), message: 'set templates or helm, not both' });
    }
  });
  cfg.worker.resources.forEach((name, i) => {
    if (!names.has(name)) {
      const known = [...names.keys()];
      issues.push({
        path: `worker.resources[${i}]`,
        message: `"${name}" is not a configured resource${known.length ? ` (known: ${known.join(', ')})` : ''}`,
        where: sources.where(['worker', 'resources', i]),
      });
    }
  });
  const le = cfg.leaderElection;
  if (le.leaseDurationSeconds <= le.renewDeadlineSeconds) {
    issues.push({
      path: 'leaderElection.leaseDurationSeconds',
      message: `must be greater than renewDeadlineSeconds (${le.renewDeadlineSeconds}), or a standby could take over from a live leader`,
      where: sources.where(['leaderElection', 'leaseDurationSeconds']),
    });
  }
  if (le.renewDeadlineSeconds <= le.retryPeriodSeconds) {
    issues.push({
      path: 'leaderElection.renewDeadlineSeconds',
      message: `must be greater than retryPeriodSeconds (${le.retryPeriodSeconds}), so the leader gets more than one renew attempt`,
      where: sources.where(['leaderElection', 'renewDeadlineSeconds']),
    });
  }
  return issues;
}

function finish(
  cfg: ParsedConfig,
  ctx: {
    base: string;
    home: string | undefined;
    file: string | undefined;
    hostname: string | undefined;
    pid: number | undefined;
  },
): LostromosConfig {
  const abs = (p: string): string => resolvePath(p, ctx.base, ctx.home);
  const resources: ResourceConfig[] = cfg.resources.map((r) => {
    const out: ResourceConfig = {
      name: r.name,
      group: r.group,
      version: r.version,
      plural: r.plural,
      namespace: r.namespace,
      labelSelector: r.labelSelector,
      filterAnnotation: r.filterAnnotation,
      values: r.values,
      resyncSeconds: r.resyncSeconds,
      concurrency: r.concurrency,
      allow: r.allow,
    };
    if (r.kind !== undefined) out.kind = r.kind;
    if (r.templates !== undefined) out.templates = abs(r.templates);
    if (r.helm !== undefined) {
      const h = r.helm;
      out.helm = {
        chart: LOCAL_CHART.test(h.chart) ? abs(h.chart) : h.chart,
        values: h.values,
        releasePrefix: h.releasePrefix ?? 'lostromos',
      };
      if (h.version !== undefined) out.helm.version = h.version;
      if (h.releaseName !== undefined) out.helm.releaseName = h.releaseName;
      if (h.valuesFrom !== undefined) out.helm.valuesFrom = h.valuesFrom.map(abs);
    }
    return out;
  });
  const redis: LostromosConfig['redis'] = {
    url: cfg.redis.url,
    prefix: cfg.redis.prefix,
    tls: cfg.redis.tls ?? cfg.redis.url.startsWith('rediss:'),
  };
  if (cfg.redis.passwordFile !== undefined) redis.passwordFile = abs(cfg.redis.passwordFile);
  if (cfg.redis.username !== undefined) redis.username = cfg.redis.username;
  const auth: LostromosConfig['dashboard']['auth'] = {
    mode: cfg.dashboard.auth.mode,
    username: cfg.dashboard.auth.username,
  };
  if (cfg.dashboard.auth.passwordFile !== undefined) auth.passwordFile = abs(cfg.dashboard.auth.passwordFile);
  if (cfg.dashboard.auth.password !== undefined) auth.password = cfg.dashboard.auth.password;
  return {
    role: cfg.role,
    redis,
    kubernetes: {
      kubeconfig: cfg.kubernetes.kubeconfig === '' ? '' : abs(cfg.kubernetes.kubeconfig),
      context: cfg.kubernetes.context,
    },
    leaderElection: {
      ...cfg.leaderElection,
      identity: cfg.leaderElection.identity || `${ctx.hostname ?? os.hostname()}-${ctx.pid ?? process.pid}`,
    },
    server: cfg.server,
    dashboard: { ...cfg.dashboard, auth },
    log: cfg.log,
    worker: cfg.worker,
    helm: {
      ...cfg.helm,
      binary:
        cfg.helm.binary === '' || !cfg.helm.binary.includes('/') ? cfg.helm.binary : abs(cfg.helm.binary),
    },
    resources,
    configFile: ctx.file ?? '',
  };
}
