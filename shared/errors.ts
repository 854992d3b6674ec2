/**
 * One small error hierarchy. Every error says whether retrying can help, so the delivery layer
 * can decide between "retry with backoff" and "dead-letter now" without inspecting messages.
 */
export abstract class EcsPilotError extends Error {
  /** true when the same input may succeed later (throttling, capacity, 5xx). */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Retrying can help: throttling, capacity shortfalls, server errors, caps reached. */
export class RetryableError extends EcsPilotError {
  readonly retryable = true;
}

/** Retrying the same input cannot help: malformed events, missing resources, denied access. */
export class PermanentError extends EcsPilotError {
  readonly retryable = false;
}

/** The configuration file is invalid; `issues` lists every problem with its field path. */
export class ConfigError extends PermanentError {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`Invalid ecs-pilot config ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

/** Reads a message from anything thrown, for logs and dead-letter reasons. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
