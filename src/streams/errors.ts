/**
 * Every failure a user can cause, each with a stable code, its process exit code and the one
 * line the user reads: Fastify's `errors.js`, typed.
 *
 * Why one table: a script, a supervisor or a user's test can match `err.code` instead of the
 * wording, the wording of each failure lives in exactly one place, and docs/errors.md lists
 * every code (a test keeps the two in step). The module is pure, so every layer may use it; the
 * CLI prints `message` and exits with `exitCode`, and never prints a stack for these.
 *
 * Adding a failure: add a row here (code, exit code, message template), a row in
 * docs/errors.md, and an example in test/streams/errors.test.ts (the compiler asks for it).
 *
 * @example
 * throw runicornError('RUNICORN_BAD_SETTING', { setting: '--workers', source: '', value: 'abc', expected: 'a positive integer' });
 * // RunicornError { code: 'RUNICORN_BAD_SETTING', exitCode: 1, message: '--workers must be a positive integer, got "abc"' }
 */
import { ExitCode } from './exit-codes';

/** ` (from SOURCE)`, or nothing for the command line itself. */
const from = (source: string): string => (source ? ` (from ${source})` : '');

/** ` (in SOURCE)`, or nothing for the command line itself. */
const inSource = (source: string): string => (source ? ` (in ${source})` : '');

/**
 * The table: code → exit code and message template. Codes never change meaning once released.
 *
 * @example
 * ERRORS.RUNICORN_NO_APP.exitCode // 1
 */
export const ERRORS = {
  /** A setting's value does not decode, from any source (flag, env, config file, default). */
  RUNICORN_BAD_SETTING: {
    exitCode: ExitCode.Config,
    message: (p: { setting: string; source: string; value: string; expected: string; why?: string }) =>
      `${p.setting}${from(p.source)} must be ${p.expected}, got "${p.value}"${p.why ? ` (${p.why})` : ''}`,
  },
  /** A flag runicorn does not know, maybe with commander's did-you-mean. */
  RUNICORN_UNKNOWN_FLAG: {
    exitCode: ExitCode.Config,
    message: (p: { flag: string; suggestion?: string; source: string }) =>
      `unknown option '${p.flag}'${p.suggestion ? ` (Did you mean ${p.suggestion}?)` : ''}${inSource(p.source)}`,
  },
  /** Any other command line that cannot be parsed: a flag without its value, a second APP. */
  RUNICORN_BAD_USAGE: {
    exitCode: ExitCode.Config,
    message: (p: { detail: string; source: string }) => `${p.detail}${inSource(p.source)}`,
  },
  /** RUNICORN_CMD_ARGS is not a valid shell word list (an unclosed quote). */
  RUNICORN_BAD_ENV_ARGS: {
    exitCode: ExitCode.Config,
    message: (p: { variable: string; reason: string }) =>
      `${p.variable} cannot be split like a shell command line: ${p.reason}`,
  },
  /** The config file is missing, fails to import, its function throws, or it exports no object. */
  RUNICORN_CONFIG_FILE: {
    exitCode: ExitCode.Config,
    message: (
      p:
        | { problem: 'missing'; path: string }
        | { problem: 'import'; path: string; reason: string }
        | { problem: 'function'; file: string; reason: string }
        | { problem: 'shape'; file: string },
    ) => {
      switch (p.problem) {
        case 'missing':
          return `config file ${p.path} does not exist (from --config)`;
        case 'import':
          return `cannot load config file ${p.path}: ${p.reason}`;
        case 'function':
          return `config file ${p.file}: its exported function failed: ${p.reason}`;
        case 'shape':
          return `config file ${p.file} must export an object (or a function returning one)`;
      }
    },
  },
  /** Neither the command line nor the config file (nor `serve()`'s options) names the app. */
  RUNICORN_NO_APP: {
    exitCode: ExitCode.Config,
    message: (p: { hint: string; usage?: string }) =>
      `no application given (${p.usage ?? 'usage: runicorn [OPTIONS] APP'}, ${p.hint})`,
  },
  /** The APP module or export cannot be turned into a request listener (exit 1 under --check-config). */
  RUNICORN_APP_LOAD: {
    exitCode: ExitCode.AppLoadError,
    message: (p: { spec: string; reason: string }) => `cannot load app "${p.spec}": ${p.reason}`,
  },
  /** The `stages` setting does not give rxjs operators, or its function throws: a worker fails like an app that cannot load. */
  RUNICORN_STAGES: {
    exitCode: ExitCode.AppLoadError,
    message: (
      p:
        | { problem: 'function'; reason: string }
        | { problem: 'not-array'; got: string }
        | { problem: 'not-operator'; index: number; got: string },
    ) => {
      switch (p.problem) {
        case 'function':
          return `the stages function failed: ${p.reason}`;
        case 'not-array':
          return `stages must be an array of stages (rxjs operators); got ${p.got}`;
        case 'not-operator':
          return `stages must be rxjs operators (functions); item ${p.index} is ${p.got}`;
      }
    },
  },
  /** An address cannot be bound or listened on: in use, not available, no such host or fd. */
  RUNICORN_BIND: {
    exitCode: ExitCode.Config,
    message: (p: { address?: string; reason: string }) =>
      `cannot listen${p.address ? ` at ${p.address}` : ''}: ${p.reason}`,
  },
  /** The pid file belongs to another live process, or cannot be written. */
  RUNICORN_PIDFILE: {
    exitCode: ExitCode.Config,
    message: (
      p: { problem: 'running'; path: string; pid: number } | { problem: 'write'; path: string; reason: string },
    ) =>
      p.problem === 'running'
        ? `Already running on PID ${p.pid} (or pid file '${p.path}' is stale)`
        : `cannot write pid file '${p.path}': ${p.reason}`,
  },
  /**
   * HTTPS cannot be served as configured: a key or certificate file that cannot be read or is not
   * PEM, a key that does not match its certificate, a cipher list OpenSSL does not know, only
   * one of --keyfile and --certfile, or an `sslContext` hook that throws, returns something that is
   * neither options nor a SecureContext, or does not settle (tried in the arbiter before workers start).
   */
  RUNICORN_TLS: {
    exitCode: ExitCode.Config,
    message: (
      p:
        | { problem: 'pair'; given: string; missing: string }
        | { problem: 'file'; setting: string; path: string; reason: string }
        | { problem: 'setting'; setting: string; value: string; reason: string }
        | { problem: 'hook'; reason: string },
    ) => {
      switch (p.problem) {
        case 'pair':
          return `${p.given} needs ${p.missing}: HTTPS takes both a key and a certificate (or neither, for plain HTTP)`;
        case 'file':
          return `cannot serve HTTPS: ${p.setting} '${p.path}': ${p.reason}`;
        case 'setting':
          return `cannot serve HTTPS: ${p.setting} '${p.value}': ${p.reason}`;
        case 'hook':
          return `cannot serve HTTPS: the sslContext hook ${p.reason}`;
      }
    },
  },
  /** A log file (error log, access log) cannot be opened for appending. */
  RUNICORN_LOG_FILE: {
    exitCode: ExitCode.Config,
    message: (p: { what: string; path: string; reason: string }) =>
      `cannot open the ${p.what} '${p.path}': ${p.reason}`,
  },
  /** `--logger-class` names a module that does not load or does not build a logger. */
  RUNICORN_LOGGER_CLASS: {
    exitCode: ExitCode.Config,
    message: (p: { spec: string; reason: string }) => `--logger-class ${p.spec} cannot be used: ${p.reason}`,
  },
  /** `--worker-class` names a module that does not load, is not a worker class, or whose checkConfig refuses. */
  RUNICORN_WORKER_CLASS: {
    exitCode: ExitCode.Config,
    message: (p: { spec: string; reason: string }) => `--worker-class ${p.spec} cannot be used: ${p.reason}`,
  },
  /** A worker could not start serving (not the app's fault): the arbiter halts with exit 3. */
  RUNICORN_WORKER_BOOT: {
    exitCode: ExitCode.WorkerBootError,
    message: (p: { during: string; reason: string }) => `Worker failed to ${p.during}: ${p.reason}`,
  },
  /**
   * A setting with a security meaning that runicorn cannot honour yet (a `plannedSecure` one): it
   * refuses to start rather than run without it. No setting is planned-secure today (TLS, request
   * limits and proxy trust have all landed); the code stays for the next one.
   */
  RUNICORN_NOT_SUPPORTED: {
    exitCode: ExitCode.Config,
    message: (p: { setting: string; source: string; area: string; risk: string }) =>
      `${p.setting}${from(p.source)} is not supported yet (${p.area}); runicorn will not start without it, since ${p.risk}`,
  },
  /** The worker entry point was started by hand instead of by the arbiter. */
  RUNICORN_NOT_A_WORKER: {
    exitCode: ExitCode.WorkerBootError,
    message: (p: { variable: string }) =>
      `${p.variable} is not set: this entry point is started by the runicorn arbiter`,
  },
} as const satisfies Readonly<Record<`RUNICORN_${string}`, ErrorSpec>>;

interface ErrorSpec {
  readonly exitCode: ExitCode;
  readonly message: (params: never) => string;
}

/**
 * A stable error code, e.g. `'RUNICORN_BAD_SETTING'`.
 *
 * @example
 * if (err instanceof RunicornError && err.code === 'RUNICORN_BIND') retryLater();
 */
export type ErrorCode = keyof typeof ERRORS;

/**
 * What the message template of `C` needs.
 *
 * @example
 * const p: ErrorParams<'RUNICORN_NO_APP'> = { hint: 'e.g. runicorn app.mjs:app' };
 */
export type ErrorParams<C extends ErrorCode> = Parameters<(typeof ERRORS)[C]['message']>[0];

/**
 * A failure a user caused: a stable `code`, the process `exitCode`, and a one-line `message`.
 *
 * @example
 * const err = new RunicornError('RUNICORN_NO_APP', 'no application given (...)', 1);
 */
export class RunicornError extends Error {
  override readonly name = 'RunicornError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** Line breaks inside a value (a multi-line exception message) would break "one line". */
const oneLine = (text: string): string => text.replace(/\s*[\r\n]+\s*/g, ' ');

/**
 * The error for `code`, its message rendered from the table, always on one line.
 *
 * @example
 * return E.left(runicornError('RUNICORN_BIND', { address: '127.0.0.1:80', reason: 'permission denied (EACCES)' }));
 */
export function runicornError<C extends ErrorCode>(code: C, params: ErrorParams<C>): RunicornError {
  const spec = ERRORS[code];
  const message = (spec.message as (p: ErrorParams<C>) => string)(params);
  return new RunicornError(code, oneLine(message), spec.exitCode);
}

/**
 * Narrows an unknown thrown value to a runicorn error, optionally of one code.
 *
 * @example
 * if (isRunicornError(err, 'RUNICORN_APP_LOAD')) fail(err.exitCode, err.message);
 */
export const isRunicornError = (err: unknown, code?: ErrorCode): err is RunicornError =>
  err instanceof RunicornError && (code === undefined || err.code === code);
