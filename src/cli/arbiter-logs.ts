/**
 * The arbiter's logs, from the configuration: opened at boot, reopened on USR1, rebuilt from the
 * new configuration on HUP (as Gunicorn 26.1 re-runs its logging setup), and what the workers are
 * told to open.
 *
 * Why a holder: the pure arbiter and the hooks keep one `Logger` for the life of the process; a
 * HUP swaps what is behind it. If the new configuration's logs cannot be opened, the reload is
 * refused and the old logs stay.
 *
 * @example
 * const logs = await openArbiterLogs(config, { owner, procName: () => 'app' }); // throws RUNICORN_LOG_FILE, RUNICORN_LOGGER_CLASS
 * logs.logger.log('info', 'Starting runicorn');
 */
import { prepareLogFiles, openBuiltinLogs, openLogs, type LoggingOptions } from '../effects/log-setup';
import type { Logger } from '../effects/logger';
import { syslogPrefix } from '../effects/syslog';
import type { LogLevel } from '../streams/commands';
import type { Config } from './settings/index';
import { configSnapshot } from './show-config';

/** The logging settings of `config`, as every process needs them. */
export const loggingOf = (config: Config, procName: string, cwd = process.cwd()): LoggingOptions => ({
  errorlog: config.errorlog,
  accesslog: config.accesslog,
  accessLogFormat: config.accessLogFormat,
  logLevel: config.logLevel,
  logFormat: config.logFormat,
  loggerClass: config.loggerClass,
  cwd,
  secureSchemeHeaders: config.secureSchemeHeaders,
  syslog: config.syslog
    ? {
        address: config.syslogAddr,
        facility: config.syslogFacility,
        prefix: syslogPrefix(config.syslogPrefix, procName),
        access: !config.disableRedirectAccessToSyslog,
      }
    : null,
});

export interface ArbiterLogs {
  /** The logger everything in the arbiter writes to; it follows `replace`. */
  readonly logger: Logger;
  /** USR1. */
  reopen(): void;
  /** HUP: open the logs of `next` and let go of the old ones; throws (and keeps the old) when they cannot be opened. */
  replace(next: Config): void;
  /** HUP, as the file loads: throws when the logs of `next` cannot be opened (opened and closed again). */
  check(next: Config): void;
  /** Write workers' captured output (`--capture-output`) to the current error log file. */
  capture(text: string): void;
}

export interface ArbiterLogsOptions {
  /** Who the workers run as: log files are created owned by them. */
  readonly owner: { uid?: number; gid?: number };
  /** Told about every error-log call by level (StatsD counters). */
  readonly onLog?: (level: LogLevel, message: string) => void;
  /** The process name of a configuration (syslog's default prefix). */
  readonly procName: (config: Config) => string;
}

export async function openArbiterLogs(config: Config, options: ArbiterLogsOptions): Promise<ArbiterLogs> {
  const open = (c: Config) => {
    prepareLogFiles(loggingOf(c, options.procName(c)), options.owner);
    return { role: 'arbiter' as const, config: configSnapshot(c), ...(options.onLog ? { onLog: options.onLog } : {}) };
  };
  let current = await openLogs(loggingOf(config, options.procName(config)), open(config));
  const custom = config.loggerClass !== 'simple';
  return {
    logger: { log: (level, message) => current.error.log(level, message) },
    reopen: () => current.reopen(),
    replace(next) {
      // A user's logger is built once; it gets reopen() on USR1 and keeps its own configuration.
      if (custom || next.loggerClass !== 'simple') return;
      const fresh = openBuiltinLogs(loggingOf(next, options.procName(next)), open(next));
      const old = current;
      current = fresh;
      old.close();
    },
    check(next) {
      if (custom || next.loggerClass !== 'simple') return;
      openBuiltinLogs(loggingOf(next, options.procName(next)), open(next)).close();
    },
    capture: (text) => (current.raw ? current.raw(text) : process.stderr.write(text)),
  };
}
