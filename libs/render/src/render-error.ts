import { LostromosError } from '@lostromos/model';
/**
 * Every error code `@lostromos/render` raises, with whether retrying can help. docs/templates.md lists
 * them; a test keeps the two in sync. Match on `code` once an error has crossed the queue.
 */
export const RENDER_ERROR_CODES = {
  LZ_RENDER_TEMPLATE_DIR: {
    retryable: false,
    what: 'the template folder is missing, unreadable or has no templates',
  },
  LZ_RENDER_TEMPLATE_SYNTAX: { retryable: false, what: 'a template is not valid Handlebars' },
  LZ_RENDER_UNKNOWN_HELPER: { retryable: false, what: 'a template calls a helper that does not exist' },
  LZ_RENDER_UNKNOWN_PARTIAL: { retryable: false, what: 'a template includes a partial that does not exist' },
  LZ_RENDER_HELPER: { retryable: false, what: 'a helper failed while rendering (e.g. `required`, `b64dec`)' },
  LZ_RENDER_VALUE_NOT_SCALAR: {
    retryable: false,
    what: 'a mapping or list was inserted with {{…}}; use {{toYaml …}} or {{json …}}',
  },
  LZ_RENDER_YAML: { retryable: false, what: 'the rendered output is not valid YAML' },
  LZ_RENDER_DUPLICATE_KEY: { retryable: false, what: 'a mapping in the output has the same key twice' },
  LZ_RENDER_NOT_OBJECT: { retryable: false, what: 'a rendered YAML document is not a mapping' },
  LZ_RENDER_INVALID_OBJECT: {
    retryable: false,
    what: 'a rendered object lacks a valid apiVersion, kind or metadata.name (or has invalid labels)',
  },
  LZ_RENDER_DUPLICATE_OBJECT: {
    retryable: false,
    what: 'two rendered objects have the same kind, namespace and name',
  },
  LZ_RENDER_TOO_LARGE: { retryable: false, what: 'the output exceeds a size limit' },
  LZ_RENDER_INPUT: { retryable: false, what: 'the custom resource given to render is not a valid object' },
  LZ_RENDER_INPUT_LIMIT: {
    retryable: false,
    what: 'the custom resource is too large, too deeply nested or holds too long a string to render',
  },
  LZ_RENDER_INJECTION: {
    retryable: false,
    what: "a CR value changes the structure of a Helm chart's output (adds or removes objects, keys or items)",
  },
  LZ_RENDER_VALUE_TYPE: {
    retryable: false,
    what: 'a CR string written unquoted by a Helm chart reads back as another value (null, 1.1 for "1.10")',
  },
  LZ_HELM_BINARY: { retryable: false, what: 'the helm binary is missing, not executable or too old' },
  LZ_HELM_CHART: {
    retryable: false,
    what: 'helm could not render the chart (template error, `fail`, missing value)',
  },
  LZ_HELM_CHART_SOURCE: { retryable: false, what: 'the chart path or archive cannot be read or unpacked' },
  LZ_HELM_TIMEOUT: { retryable: true, what: 'helm did not finish within helm.timeoutSeconds' },
  LZ_HELM_VALUES: {
    retryable: false,
    what: 'a valuesFrom file or --values file is missing or not a YAML mapping',
  },
} as const satisfies Record<string, { retryable: boolean; what: string }>;

export type RenderErrorCode = keyof typeof RENDER_ERROR_CODES;

/**
 * A template or chart that cannot produce objects for a CR. Permanent unless the code says otherwise:
 * fixing it needs a new template, chart or CR, so the reconciler reports it instead of retrying.
 * The message starts with `file:line: ` when the place is known.
 */
export class RenderError extends LostromosError {
  override readonly name = 'RenderError';
  readonly code: RenderErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly retryable: boolean;

  constructor(
    code: RenderErrorCode,
    message: string,
    opts: { file?: string; line?: number; cause?: unknown } = {},
  ) {
    const where = opts.file ? `${opts.file}${opts.line ? `:${opts.line}` : ''}: ` : '';
    super(`${where}${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    // A RenderError is about the user's templates, chart or CR: where the renderer noticed it is noise in
    // logs (a 40-line stack for a typo). The message says everything; causes with stacks are kept only for
    // unexpected errors.
    this.stack = `RenderError [${code}]: ${this.message}`;
    this.code = code;
    if (opts.file !== undefined) this.file = opts.file;
    if (opts.line !== undefined) this.line = opts.line;
    this.retryable = RENDER_ERROR_CODES[code].retryable;
  }
}

export function isRenderError(err: unknown): err is RenderError {
  return err instanceof Error && err.name === 'RenderError' && 'code' in err;
}
