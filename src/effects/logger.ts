/**
 * The error log: Gunicorn's line format (or one JSON object per line), written to its sinks.
 *
 * `[2026-11-22 02:03:07 +0000] [1234] [INFO] Starting runicorn 0.1.0`, or with `--log-format
 * json`, `{"time":"2026-11-22T02:03:07.123Z","level":"info","pid":1234,"msg":"Starting runicorn 0.1.0"}`.
 * The clock and the pid are read here, in the effects layer, never in `src/streams`.
 *
 * @example
 * const logger = createLogger({ level: 'info' });
 * logger.log('info', 'Listening at: http://127.0.0.1:8000 (1234)');
 */
import { LOG_LEVELS, type LogLevel } from '../streams/commands';
import type { LogSink } from './log-sink';

export interface Logger {
  log(level: LogLevel, message: string): void;
}

/** A logger that owns files: it reopens them (USR1) and flushes them before the process exits. */
export interface ErrorLog extends Logger {
  reopen(): void;
  flushSync(): void;
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
  /** Where lines go; stderr (synchronously) when neither `sinks` nor `write` is given. */
  readonly sinks?: readonly LogSink[];
  /** A plain line writer (tests), used when there are no `sinks`. */
  readonly write?: (line: string) => void;
  readonly pid?: number;
  readonly now?: () => Date;
  /** Told about every line logged, by level, before filtering (StatsD's `log.<level>` counters). */
  readonly onLog?: (level: LogLevel, message: string) => void;
}

const stderrLine = (line: string) => void process.stderr.write(line);

/** One record as a line: Gunicorn's text format, or JSON. */
export function formatLine(format: LogFormat, date: Date, pid: number, level: LogLevel, message: string): string {
  return format === 'json'
    ? `${JSON.stringify({ time: date.toISOString(), level, pid, msg: message })}\n`
    : `[${formatTimestamp(date)}] [${pid}] [${level.toUpperCase()}] ${message}\n`;
}

export function createLogger(options: LoggerOptions): ErrorLog {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const format = options.format ?? 'text';
  const now = options.now ?? (() => new Date());
  const sinks = options.sinks;
  const write = options.write ?? stderrLine;
  return {
    log(level, message) {
      options.onLog?.(level, message);
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      const line = formatLine(format, now(), options.pid ?? process.pid, level, message);
      if (!sinks) return write(line);
      const record = { level, message, line };
      for (const sink of sinks) sink.write(record);
    },
    reopen() {
      for (const sink of sinks ?? []) sink.reopen();
    },
    flushSync() {
      for (const sink of sinks ?? []) sink.flushSync();
    },
  };
}
