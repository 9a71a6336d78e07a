/** A control-plane failure a person can act on: `code` is stable, the message names the cause and the fix. */
export class ControlPlaneError extends Error {
  override readonly name = 'ControlPlaneError';
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
