/** The logging surface domain code needs; Powertools' Logger satisfies it, tests pass a recorder. */
export interface Log {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/**
 * A logger that adds `keys` to every line, without touching the shared logger's own keys: records
 * processed concurrently each get their own (e.g. their messageId) and cannot mislabel each other.
 */
export function withKeys(logger: Log, keys: Record<string, unknown>): Log {
  return {
    debug: (message, ...extra) => logger.debug(message, keys, ...extra),
    info: (message, ...extra) => logger.info(message, keys, ...extra),
    warn: (message, ...extra) => logger.warn(message, keys, ...extra),
    error: (message, ...extra) => logger.error(message, keys, ...extra),
  };
}
