import { ConfigError } from './config-error.js';
import { CONFIG_FIELDS, RESOURCE_FLAGS } from './fields.js';
import { closest } from './closest.js';

/** One command-line flag. `list` flags accumulate and split on commas. */
export interface FlagSpec {
  name: string;
  type: 'string' | 'boolean' | 'number' | 'list';
  description: string;
  /** Placeholder shown in help, e.g. FILE. */
  metavar?: string;
}

export type FlagValue = string | boolean | number | string[];

export interface ParsedFlags {
  /** Flag name (without `--`) → value, for the flags that were given. */
  flags: Record<string, FlagValue>;
  positionals: string[];
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Parses `true/false/1/0/yes/no/on/off`; undefined for anything else. */
export function parseBoolean(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  return undefined;
}

function flagError(message: string): ConfigError {
  return new ConfigError('LZ_CONFIG_FLAG', [{ path: '', message }]);
}

/**
 * Parses `--name value`, `--name=value` and bare boolean `--name` against `specs`. Unknown flags and
 * missing values throw ConfigError LZ_CONFIG_FLAG naming the flag (and the closest known one).
 * Everything after `--` is positional.
 */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const flags: Record<string, FlagValue> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-') {
        throw flagError(`unknown flag ${arg} (flags are spelled --name)`);
      }
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) {
      const hint = closest(name, [...byName.keys()]);
      throw flagError(`unknown flag --${name}${hint ? ` (did you mean --${hint}?)` : ''}`);
    }
    let text: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (spec.type === 'boolean') {
      if (text === undefined) {
        flags[name] = true;
      } else {
        const b = parseBoolean(text);
        if (b === undefined) throw flagError(`--${name}: expected true or false, got "${text}"`);
        flags[name] = b;
      }
      continue;
    }
    if (text === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw flagError(`--${name}: missing value (usage: --${name} ${spec.metavar ?? 'VALUE'})`);
      }
      text = next;
      i++;
    }
    if (spec.type === 'number') {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) {
        throw flagError(`--${name}: expected a number, got "${text}"`);
      }
      flags[name] = n;
    } else if (spec.type === 'list') {
      const prev = flags[name];
      const items = text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      flags[name] = [...(Array.isArray(prev) ? prev : []), ...items];
    } else {
      flags[name] = text;
    }
  }
  return { flags, positionals };
}

/** The flags `loadConfig` understands: `--config`, every field flag and the single-CRD flags. */
export const CONFIG_FLAGS: readonly FlagSpec[] = [
  { name: 'config', type: 'string', metavar: 'FILE', description: 'config file (YAML)' },
  ...CONFIG_FIELDS.flatMap((f) =>
    f.flags.map((name): FlagSpec => ({
      name,
      type: f.type === 'path' ? 'string' : f.type,
      description: f.description,
      ...(f.type === 'path' ? { metavar: 'FILE' } : {}),
    })),
  ),
  ...RESOURCE_FLAGS.map((r): FlagSpec => ({
    name: r.flag,
    type: 'string',
    description: r.description,
    ...(r.type === 'path' ? { metavar: 'DIR' } : {}),
  })),
];

/** Two-column help text for a list of flags. */
export function formatFlagHelp(specs: readonly FlagSpec[]): string {
  const left = specs.map(
    (s) => `--${s.name}${s.type === 'boolean' ? '' : ` ${s.metavar ?? s.type.toUpperCase()}`}`,
  );
  const width = Math.min(Math.max(...left.map((l) => l.length)), 32);
  return specs.map((s, i) => `  ${left[i]!.padEnd(width)}  ${s.description}`).join('\n');
}
