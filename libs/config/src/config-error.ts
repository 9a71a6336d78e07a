import { LostromosError } from '@lostromos/model';
/**
 * Every error code `@lostromos/config` raises. All are permanent (fixing them needs a human), and all map
 * to exit code 2 in the CLI. docs/configuration.md lists them; a test keeps the two in sync.
 */
export const CONFIG_ERROR_CODES = {
  LZ_CONFIG_INVALID: 'a field of the config (file, env or flag) is missing, has the wrong type or value',
  LZ_CONFIG_UNKNOWN_FIELD: 'a config key that does not exist (usually a typo)',
  LZ_CONFIG_YAML: 'the config file is not valid YAML',
  LZ_CONFIG_FILE: 'the config file cannot be read',
  LZ_CONFIG_FLAG: 'an unknown command-line flag, or a flag without its value',
  LZ_CONFIG_ENV: 'an unknown LOSTROMOS_* environment variable, or one with an unparsable value',
  LZ_CONFIG_CONFLICT: 'two settings that cannot be combined (e.g. --crd-* flags and resources in the file)',
} as const;

export type ConfigErrorCode = keyof typeof CONFIG_ERROR_CODES;

/** One problem found in the config; `where` says where the offending value came from. */
export interface ConfigIssue {
  /** Dotted path with indices, e.g. `resources[1].group`; "" for the whole document. */
  path: string;
  message: string;
  /** `FILE:LINE`, `env LOSTROMOS_REDIS_URL` or `flag --redis`, when known. */
  where?: string;
}

export function formatIssue(issue: ConfigIssue): string {
  return issue.path ? `config: ${issue.path}: ${issue.message}` : `config: ${issue.message}`;
}

/**
 * A config that cannot be used. The message is the first problem on one line
 * (`config: resources[1].group: required (…)`); `issues` has all of them, `details()` renders them.
 */
export class ConfigError extends LostromosError {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  readonly issues: readonly ConfigIssue[];
  readonly retryable = false as const;

  constructor(code: ConfigErrorCode, issues: readonly ConfigIssue[], opts: { cause?: unknown } = {}) {
    const first = issues[0] ?? { path: '', message: 'invalid config' };
    super(formatIssue(first), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.issues = issues;
  }

  /** Every issue, one per line, with where it came from: what the CLI prints after the first line. */
  details(): string {
    return this.issues.map((i) => `  ${formatIssue(i)}${i.where ? `\n      at ${i.where}` : ''}`).join('\n');
  }
}

export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof Error && err.name === 'ConfigError' && 'issues' in err;
}
