/**
 * The shapes of a process's logs, shared by runicorn's own (`log-setup.ts`) and a user's
 * (`user-logger.ts`).
 *
 * @example
 * const options: LoggingOptions = { errorlog: '-', accesslog: null, accessLogFormat: '%(h)s', logLevel: 'info', logFormat: 'text', loggerClass: 'simple', cwd: '.', syslog: null };
 */
import type { LogLevel } from '../streams/commands';
import type { LogFormat, Logger } from './logger';
import type { RequestObserver } from './request-observer';

/** The logging settings, as every process needs them (plain JSON). */
export interface LoggingOptions {
  /** `-` (stderr) or a file path. */
  readonly errorlog: string;
  /** `-` (stdout), a file path, or null: no access log. */
  readonly accesslog: string | null;
  readonly accessLogFormat: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** `simple` (runicorn's own) or `MODULE[:EXPORT]`. */
  readonly loggerClass: string;
  /** Where a relative logger module is found. */
  readonly cwd: string;
  /** `--log-syslog`: where, as what, and whether access lines go too; null when off. */
  readonly syslog: SyslogOptions | null;
  /** `secure_scheme_headers`, for the access log's `{wsgi.url_scheme}e`; Gunicorn's defaults when absent. */
  readonly secureSchemeHeaders?: Readonly<Record<string, string>>;
}

/** Syslog as the settings say it (`--log-syslog-to`, `--log-syslog-facility`, the prefix resolved). */
export interface SyslogOptions {
  readonly address: string | null;
  readonly facility: string;
  /** `--log-syslog-prefix`, or the process name with `:` as `.`. */
  readonly prefix: string;
  /** False with `--disable-redirect-access-to-syslog`. */
  readonly access: boolean;
}

/** A process's logs. */
export interface Logs {
  readonly error: Logger;
  /** Set when requests are logged (workers only). */
  readonly access: RequestObserver | undefined;
  /** USR1: reopen every log file. */
  reopen(): void;
  /** Write out everything buffered before the process exits (bounded wait). */
  flush(): Promise<void>;
  /** Let go of the files (HUP built new logs). */
  close(): void;
  /** Write text as it is to the error log file (captured output); undefined when the error log is stderr. */
  readonly raw: ((text: string) => void) | undefined;
}

export interface OpenLogsOptions {
  /** Workers keep the access log; the arbiter serves no requests. */
  readonly role: 'arbiter' | 'worker';
  /** Told about every error-log call by level (StatsD counters). */
  readonly onLog?: (level: LogLevel, message: string) => void;
  /** The resolved settings a user's logger is built with. */
  readonly config?: unknown;
}
