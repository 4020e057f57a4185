/**
 * The error log: Gunicorn's line format, written to stderr.
 *
 * `[2026-11-22 02:03:07 +0000] [1234] [INFO] Starting runicorn 0.1.0`. The clock and the pid are
 * read here, in the effects layer, never in `src/streams`.
 *
 * @example
 * const logger = createLogger({ level: 'info' });
 * logger.log('info', 'Listening at: http://127.0.0.1:8000 (1234)');
 */
import { LOG_LEVELS, type LogLevel } from '../streams/commands';

export interface Logger {
  log(level: LogLevel, message: string): void;
}

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
  readonly write?: (line: string) => void;
  readonly pid?: number;
  readonly now?: () => Date;
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(options.level);
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  return {
    log(level, message) {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      const pid = options.pid ?? process.pid;
      write(`[${formatTimestamp(now())}] [${pid}] [${level.toUpperCase()}] ${message}\n`);
    },
  };
}
