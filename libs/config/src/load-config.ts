import fs from 'node:fs';
import path from 'node:path';
import type { Document, LineCounter } from 'yaml';
import { ConfigError, type ConfigErrorCode, type ConfigIssue } from './config-error.js';
import { closest } from './closest.js';
import { deepFreeze } from './deep-freeze.js';
import { CONFIG_FIELDS, RESOURCE_FLAGS, resourceFlagEnv, type ConfigField } from './fields.js';
import { CONFIG_FLAGS, parseBoolean, parseFlags, type FlagSpec, type FlagValue } from './flags.js';
import { configSchema } from './schema.js';
import type { LostromosConfig } from './types.js';
import { formatPath, resolvePath, setIn, type Raw } from './config-paths.js';
import { Sources } from './config-sources.js';
import { crossFieldIssues } from './cross-field-rules.js';
import { readConfigYaml } from './read-yaml.js';
import { finish, LOCAL_CHART } from './finish-config.js';
import { toIssues } from './schema-issues.js';

export { formatPath } from './config-paths.js';

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

const SERVICE_LINK_ENV =
  /_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\d+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)?)$/;

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
  let lines: LineCounter | undefined;
  let doc: Document | undefined;
  let raw: Raw = {};
  if (yamlText.trim() !== '') {
    const read = readConfigYaml(yamlText, { file });
    doc = read.doc;
    lines = read.lines;
    const js = read.value;
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
    // An empty variable counts as unset (compose files interpolate missing variables to "").
    if (!name.startsWith('LOSTROMOS_') || value === undefined || value === '' || name === 'LOSTROMOS_CONFIG')
      continue;
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
      raw.resources = readConfigYaml(value, { env: name }, 'LZ_CONFIG_ENV').value;
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

  // An explicit empty list (in the file or LOSTROMOS_RESOURCES) is a config that can do nothing: say so now
  // rather than let `validate` pass it and `start` refuse it.
  const emptyResources: ConfigIssue[] =
    Array.isArray(raw.resources) && raw.resources.length === 0
      ? [
          {
            path: 'resources',
            message:
              'is an empty list: add at least one resource, e.g. - { name: characters, group: stable.example.io, version: v1, plural: characters, templates: ./characters }',
            where: sources.where(['resources']),
          },
        ]
      : [];

  // 5. Schema.
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((i) => toIssues(i, raw, sources));
    const unknownOnly = parsed.error.issues.every((i) => i.code === 'unrecognized_keys');
    fail(unknownOnly ? 'LZ_CONFIG_UNKNOWN_FIELD' : 'LZ_CONFIG_INVALID', issues);
  }
  const cfg = parsed.data;

  // 6. Rules across fields, defaults that depend on other fields, paths made absolute.
  const issues = [...emptyResources, ...crossFieldIssues(cfg, sources)];
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
