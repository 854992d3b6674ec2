import { printable } from './text/escape.js';

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

/**
 * The configuration file is invalid; `issues` lists every problem with its field path. Issues and
 * source echo the user's text (keys, values, file names): they are escaped here, once, so the CLI,
 * `sls package` and a cold-start log all show a control character instead of obeying it.
 */
export class ConfigError extends PermanentError {
  readonly source: string;
  readonly issues: readonly string[];

  constructor(source: string, issues: readonly string[]) {
    const safeSource = printable(source);
    const safeIssues = issues.map((issue) => printable(issue));
    super(`Invalid ecs-pilot config ${safeSource}:\n${safeIssues.map((i) => `  - ${i}`).join('\n')}`);
    this.source = safeSource;
    this.issues = safeIssues;
    // A user can cause this error and fix it from its lines alone: no stack trace where it is printed.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** Reads a message from anything thrown, for logs and dead-letter reasons. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Classifies an error an AWS call threw, its message prefixed with `action`: an error already
 * classified passes through; one whose name is in `permanent` (what retrying cannot fix for that
 * service: missing resources, denied access, invalid input) is permanent; anything else (throttling,
 * 5xx, network) is retryable.
 */
export function classifyByName(
  error: unknown,
  action: string,
  permanent: ReadonlySet<string>,
): RetryableError | PermanentError {
  if (error instanceof RetryableError || error instanceof PermanentError) return error;
  const name = error instanceof Error ? error.name : '';
  const message = `${action}: ${errorMessage(error)}`;
  return permanent.has(name)
    ? new PermanentError(message, { cause: error })
    : new RetryableError(message, { cause: error });
}
