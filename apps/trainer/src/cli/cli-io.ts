/** How the model CLI talks to its user: two text channels, and the one error it prints without a stack. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** A failure the user can act on; printed without a stack trace. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
