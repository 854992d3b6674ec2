import type { Log } from '../../shared/kernel/log.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogEntry {
  level: LogLevel;
  message: string;
  /** The structured keys passed with the message, merged. */
  extra: Record<string, unknown>;
}

export interface RecordingLogger extends Log {
  entries: LogEntry[];
  /** Entries at one level, optionally with one message. */
  at(level: LogLevel, message?: string): LogEntry[];
}

/** A Log that keeps every line for assertions instead of printing it. */
export function recordingLogger(): RecordingLogger {
  const entries: LogEntry[] = [];
  const write =
    (level: LogLevel) =>
    (message: string, ...extra: Record<string, unknown>[]) => {
      entries.push({ level, message, extra: Object.assign({}, ...extra) });
    };
  return {
    entries,
    at: (level, message) =>
      entries.filter((e) => e.level === level && (message === undefined || e.message === message)),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
  };
}
