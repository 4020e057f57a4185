/**
 * A process's logs from the logging settings: the error log and, in workers, the access log,
 * each written to its sinks (a file or a standard stream, and syslog), or handed to the user's
 * logger (`--logger-class`).
 *
 * The arbiter and every worker build their own from the same `LoggingOptions` (they travel to
 * workers in `RUNICORN_WORKER`): each process opens the files itself with `O_APPEND`, so no line
 * passes through another process, and each reopens them on USR1.
 *
 * @example
 * const logs = await openLogs(options, { role: 'worker' }); // synchronous unless --logger-class
 * logs.error.log('info', 'Booting worker with pid: 1234');
 */
import { chownSync, closeSync, openSync } from 'node:fs';
import { runicornError } from '../streams/errors';
import { accessLogObserver, compiled } from './access-log';
import { errorLine } from './error-text';
import { openLogTarget, type LogSink } from './log-sink';
import { createLogger } from './logger';
import { openSyslogSink, syslogTag } from './syslog';
import { loadUserLogger, userLogs } from './user-logger';

export type { UserAccessEntry, UserLogger } from './user-logger';
export type { LoggingOptions, Logs, OpenLogsOptions, SyslogOptions } from './log-types';
import type { LoggingOptions, Logs, OpenLogsOptions } from './log-types';

const FLUSH_WAIT_MS = 1000;

/**
 * Create the log files before the workers switch user, owned by that user (Gunicorn chowns
 * them), so a worker running as `--user` can append to a file the arbiter created as root.
 */
export function prepareLogFiles(options: LoggingOptions, owner: { uid?: number; gid?: number }): void {
  for (const [path, what] of [
    [options.errorlog, 'error log'],
    [options.accesslog, 'access log'],
  ] as const) {
    if (path === null || path === '-') continue;
    try {
      closeSync(openSync(path, 'a'));
      if (owner.uid !== undefined || owner.gid !== undefined) chownSync(path, owner.uid ?? -1, owner.gid ?? -1);
    } catch (err) {
      throw runicornError('RUNICORN_LOG_FILE', { what, path, reason: errorLine(err) });
    }
  }
}

/** Resolves once every sink's buffered lines are written. */
const drained = (sinks: readonly LogSink[]) =>
  Promise.all(sinks.map((sink) => (sink.flush ? sink.flush() : sink.flushSync()))).then(() => undefined);

/**
 * The logs of this process. Throws (or rejects with) a `RunicornError` (`RUNICORN_LOG_FILE`,
 * `RUNICORN_LOGGER_CLASS`) that the caller prints as one line.
 *
 * runicorn's own logs open synchronously: a worker then puts its signal handlers in place without
 * waiting (a TERM in that window would end it by Node's default action). A user's logger module
 * has to be imported first.
 */
export function openLogs(options: LoggingOptions, extra: OpenLogsOptions): Logs | Promise<Logs> {
  if (options.loggerClass !== 'simple')
    return loadUserLogger(options, extra.config).then((user) => userLogs(options, user, extra));
  return openBuiltinLogs(options, extra);
}

/** runicorn's own logs (synchronous: the arbiter needs its error log before anything is awaited). */
export function openBuiltinLogs(options: LoggingOptions, extra: OpenLogsOptions): Logs {
  const warn = (what: string) => (err: Error) =>
    process.stderr.write(`runicorn: cannot write the ${what}: ${errorLine(err)}\n`);
  const errorSinks: LogSink[] = [
    openLogTarget(options.errorlog, 2, { sync: true, onError: warn('error log') }, 'error log'),
  ];
  const accessSinks: LogSink[] =
    extra.role === 'worker' && options.accesslog !== null
      ? [openLogTarget(options.accesslog, 1, { sync: false, onError: warn('access log') }, 'access log')]
      : [];
  const { syslog } = options;
  // Warnings about syslog go to the error log; the syslog sink drops them while it is down. The
  // error and access sinks share the address, so one outage is said once, not once per sink
  // (until USR1, which reconnects and re-arms both).
  let said = new Set<string>();
  const toErrorLog = (err: Error) => {
    if (said.has(err.message)) return;
    said.add(err.message);
    error.log('warning', err.message);
  };
  if (syslog) {
    const open = (kind: 'error' | 'access') =>
      openSyslogSink({
        address: syslog.address,
        facility: syslog.facility,
        tag: syslogTag(syslog.prefix, kind),
        onError: toErrorLog,
      });
    errorSinks.push(open('error'));
    // As in Gunicorn, syslog turns the access log on, unless access lines are kept out of it.
    if (extra.role === 'worker' && syslog.access) accessSinks.push(open('access'));
  }
  const error = createLogger({
    level: options.logLevel,
    format: options.logFormat,
    sinks: errorSinks,
    ...(extra.onLog ? { onLog: extra.onLog } : {}),
  });
  const all = [...errorSinks, ...accessSinks];
  const access =
    accessSinks.length > 0
      ? accessLogObserver({ format: compiled(options), sinks: accessSinks, json: options.logFormat === 'json' })
      : undefined;
  return {
    error,
    access,
    reopen() {
      access?.flush?.();
      said = new Set();
      for (const sink of all) sink.reopen();
    },
    flush: () => {
      access?.flush?.();
      return Promise.race([drained(all), new Promise<void>((done) => setTimeout(done, FLUSH_WAIT_MS).unref())]);
    },
    close() {
      for (const sink of all) sink.close?.();
    },
    raw:
      options.errorlog === '-'
        ? undefined
        : (text) => (errorSinks[0] as LogSink).write({ level: 'info', message: text, line: text }),
  };
}
