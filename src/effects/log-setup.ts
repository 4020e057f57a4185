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
 * const logs = await openLogs(options, { role: 'worker' });
 * logs.error.log('info', 'Booting worker with pid: 1234');
 */
import { chownSync, closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as E from 'fp-ts/Either';
import type { AccessEntry, CalendarTime } from '../streams/access-log-format';
import { compileAccessFormat } from '../streams/access-log-format';
import { LOG_LEVELS, type LogLevel } from '../streams/commands';
import { runicornError } from '../streams/errors';
import { accessLogObserver } from './access-log';
import { errorLine } from './error-text';
import { openLogTarget, type LogSink } from './log-sink';
import { createLogger, type ErrorLog, type LogFormat } from './logger';
import { openSyslogSink, syslogTag } from './syslog';
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

/** A finished request, as a user's logger receives it (`access(entry)`). */
export interface UserAccessEntry {
  /** The line in `--access-logformat`. */
  readonly line: string;
  readonly time: CalendarTime;
  readonly remoteAddress: string | undefined;
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly protocol: string;
  readonly status: number;
  readonly bytes: number | undefined;
  readonly durationMs: number;
  readonly req: AccessEntry['req'];
  readonly res: AccessEntry['res'];
}

/**
 * What `--logger-class` must provide. `log` gets the error log's lines at `--log-level` and
 * above; `access` each finished request (when it is missing, no access log is kept); `reopen` is
 * called on USR1; `close` before the process exits.
 */
export interface UserLogger {
  log(level: LogLevel, message: string): void;
  access?(entry: UserAccessEntry): void;
  reopen?(): void;
  close?(): void;
}

/** A process's logs. */
export interface Logs {
  readonly error: ErrorLog;
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

/** Import the user's logger module and build it (`new` for a class, a call for a function). */
async function loadUserLogger(options: LoggingOptions, config: unknown): Promise<UserLogger> {
  const spec = options.loggerClass;
  const colon = spec.lastIndexOf(':');
  const [module, name] = colon > 1 ? [spec.slice(0, colon), spec.slice(colon + 1)] : [spec, 'default'];
  const fail = (reason: string) => runicornError('RUNICORN_LOGGER_CLASS', { spec, reason });
  let ns: Record<string, unknown>;
  try {
    const path =
      module.startsWith('.') || isAbsolute(module)
        ? resolve(options.cwd, module)
        : createRequire(join(options.cwd, 'noop.js')).resolve(module);
    ns = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw fail(errorLine(err));
  }
  const exported = ns[name] ?? (name === 'default' ? undefined : (ns.default as Record<string, unknown>)?.[name]);
  if (typeof exported !== 'function') throw fail(`it has no export "${name}" that is a class or a function`);
  let logger: unknown;
  try {
    const make = exported as (config: unknown) => unknown;
    logger = /^class[\s{]/.test(Function.prototype.toString.call(make))
      ? new (make as unknown as new (config: unknown) => unknown)(config)
      : make(config);
  } catch (err) {
    throw fail(`building it threw: ${errorLine(err)}`);
  }
  if (typeof (logger as UserLogger | undefined)?.log !== 'function')
    throw fail('the logger it builds has no log(level, message)');
  return logger as UserLogger;
}

/** Calls into a user's logger that never throw into runicorn (a broken logger loses lines, not requests). */
function guarded(logger: UserLogger) {
  return <A extends unknown[]>(call: (...args: A) => void) =>
    (...args: A) => {
      try {
        call.apply(logger, args);
      } catch (err) {
        process.stderr.write(`runicorn: --logger-class failed: ${errorLine(err)}\n`);
      }
    };
}

function userLogs(options: LoggingOptions, user: UserLogger, extra: OpenLogsOptions): Logs {
  const safe = guarded(user);
  const threshold = LOG_LEVELS.indexOf(options.logLevel);
  const log = safe((level: LogLevel, message: string) => user.log(level, message));
  const reopen = safe(() => user.reopen?.());
  const close = safe(() => user.close?.());
  const error: ErrorLog = {
    log(level, message) {
      extra.onLog?.(level, message);
      if (LOG_LEVELS.indexOf(level) >= threshold) log(level, message);
    },
    reopen,
    flushSync: () => undefined,
  };
  const access = extra.role === 'worker' && typeof user.access === 'function' ? user.access : undefined;
  const deliver = access
    ? safe((entry: AccessEntry, line: string) =>
        access.call(user, {
          line,
          time: entry.date,
          remoteAddress: entry.req.socket?.remoteAddress,
          method: entry.req.method,
          url: entry.req.url,
          protocol: `HTTP/${entry.req.httpVersion}`,
          status: entry.res.statusCode,
          bytes: entry.bytes,
          durationMs: entry.durationUs / 1000,
          req: entry.req,
          res: entry.res,
        }),
      )
    : undefined;
  const observer = deliver
    ? accessLogObserver({ format: compiled(options), sinks: [], json: false, deliver })
    : undefined;
  return {
    error,
    access: observer,
    reopen() {
      observer?.flush?.();
      reopen();
    },
    flush: async () => {
      observer?.flush?.();
      close();
    },
    close,
    raw: undefined,
  };
}

const compiled = (options: LoggingOptions) => {
  const format = compileAccessFormat(options.accessLogFormat);
  // Decoded at boot with the same compiler, so a Left cannot reach here.
  if (E.isLeft(format)) throw new Error(`bad access log format: ${format.left}`);
  return format.right;
};

/** Resolves once every sink's buffered lines are written. */
const drained = (sinks: readonly LogSink[]) =>
  Promise.all(sinks.map((sink) => (sink.flush ? sink.flush() : sink.flushSync()))).then(() => undefined);

/**
 * The logs of this process. Throws a `RunicornError` (`RUNICORN_LOG_FILE`,
 * `RUNICORN_LOGGER_CLASS`) that the caller prints as one line.
 */
export async function openLogs(options: LoggingOptions, extra: OpenLogsOptions): Promise<Logs> {
  if (options.loggerClass !== 'simple') return userLogs(options, await loadUserLogger(options, extra.config), extra);
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
  // Warnings about syslog go to the error log; the syslog sink drops them while it is down.
  const toErrorLog = (err: Error) => error.log('warning', err.message);
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
