/**
 * `--logger-class`: a user's module that takes both logs instead of runicorn's files and syslog.
 *
 * The module is imported in the arbiter and in every worker; its export (a class or a function)
 * is called with the resolved settings. What it gets is documented in docs/logging.md: `log` for
 * the error log (already filtered by `--log-level`), `access` for each finished request, `reopen`
 * on USR1, `close` before the process exits. A logger that throws loses that line, never a request.
 *
 * @example
 * const logs = userLogs(options, await loadUserLogger(options, config), { role: 'worker' });
 */
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AccessEntry, CalendarTime } from '../streams/access-log-format';
import { LOG_LEVELS, type LogLevel } from '../streams/commands';
import { runicornError } from '../streams/errors';
import { accessLogObserver, compiled } from './access-log';
import { errorLine } from './error-text';
import type { LoggingOptions, Logs, OpenLogsOptions } from './log-types';
import type { Logger } from './logger';

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

/** Import the user's logger module and build it (`new` for a class, a call for a function). */
export async function loadUserLogger(options: LoggingOptions, config: unknown): Promise<UserLogger> {
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

export function userLogs(options: LoggingOptions, user: UserLogger, extra: OpenLogsOptions): Logs {
  const safe = guarded(user);
  const threshold = LOG_LEVELS.indexOf(options.logLevel);
  const log = safe((level: LogLevel, message: string) => user.log(level, message));
  const reopen = safe(() => user.reopen?.());
  const close = safe(() => user.close?.());
  const error: Logger = {
    log(level, message) {
      extra.onLog?.(level, message);
      if (LOG_LEVELS.indexOf(level) >= threshold) log(level, message);
    },
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
