/**
 * The error log: Gunicorn's line format (or one JSON object per line), written to its sinks.
 *
 * `[2026-11-22 02:03:07 +0000] [1234] [INFO] Starting runicorn 0.1.0`, or with `--log-format
 * json`, `{"time":"2026-11-22T02:03:07.123Z","level":"info","pid":1234,"msg":"Starting runicorn 0.1.0"}`.
 * The clock and the pid are read here, in the effects layer, never in `src/streams`.
 *
 * @example
 * const logger = createLogger({ level: 'info', sinks: [openStdSink(2, { sync: true })] });
 * logger.log('info', 'Listening at: http://127.0.0.1:8000 (1234)');
 */
import { LOG_LEVELS, type LogLevel } from '../streams/commands';
import type { LogSink } from './log-sink';

export interface Logger {
  log(level: LogLevel, message: string): void;
}

/** `text` is Gunicorn's line format; `json` one object per line for log shippers. */
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** Gunicorn's `%Y-%m-%d %H:%M:%S %z` in local time. */
export function formatTimestamp(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} `
    + `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} `
    + `${sign}${pad(Math.trunc(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`
  );
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format?: LogFormat;
  /** Where lines go (reopening and flushing them is the owner's: `log-setup.ts`). */
  readonly sinks: readonly LogSink[];
  readonly pid?: number;
  readonly now?: () => Date;
  /** Told about every line logged, by level, before filtering (StatsD's `log.<level>` counters). */
  readonly onLog?: (level: LogLevel, message: string) => void;
}

/** One record as a line: Gunicorn's text format, or JSON. */
export function formatLine(format: LogFormat, date: Date, pid: number, level: LogLevel, message: string): string {
  return format === 'json'
    ? `${JSON.stringify({ time: date.toISOString(), level, pid, msg: message })}\n`
    : `[${formatTimestamp(date)}] [${pid}] [${level.toUpperCase()}] ${message}\n`;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const format = options.format ?? 'text';
  const now = options.now ?? (() => new Date());
  const { sinks } = options;
  return {
    log(level, message) {
      options.onLog?.(level, message);
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      const line = formatLine(format, now(), options.pid ?? process.pid, level, message);
      const record = { level, message, line };
      for (const sink of sinks) sink.write(record);
    },
  };
}
