import { LostromosError } from '@lostromos/model';
/** Stable codes of the dashboard's errors (documented in docs/dashboard.md). */
export const DASHBOARD_ERROR_CODES = {
  /** Basic auth selected (the default) but no password configured. Permanent: fix the config. */
  NO_PASSWORD: 'LZ_DASHBOARD_NO_PASSWORD',
  /** The password file cannot be read or is empty. Permanent. */
  PASSWORD_FILE: 'LZ_DASHBOARD_PASSWORD_FILE',
  /** A dashboard config value is malformed (address, basePath, auth mode). Permanent. */
  INVALID_CONFIG: 'LZ_DASHBOARD_INVALID_CONFIG',
  /** The HTTP listener could not bind. Retryable (the port may become free). */
  LISTEN: 'LZ_DASHBOARD_LISTEN',
} as const;
export type DashboardErrorCode = (typeof DASHBOARD_ERROR_CODES)[keyof typeof DASHBOARD_ERROR_CODES];

/** A dashboard start-up failure; `field` names the config field to fix. */
export class DashboardError extends LostromosError {
  override readonly name = 'DashboardError';
  readonly code: DashboardErrorCode;
  readonly field: string | undefined;
  readonly retryable: boolean;

  constructor(code: DashboardErrorCode, message: string, opts: { field?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.field = opts.field;
    this.retryable = code === DASHBOARD_ERROR_CODES.LISTEN;
  }
}
