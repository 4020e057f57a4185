/**
 * runicorn's public API.
 *
 * - `serve(options)`: run the arbiter from a program, as the CLI does; it returns a `Server`
 *   whose `stop()` (or `unsubscribe()`) stops the workers gracefully.
 * - Request stages: the `Stage` type, `stage(fn)`, `respond()`, and the app stage `serveApp`.
 * - The lifecycle kit (also in `runicorn/testing`, with `inject()` and fake ports).
 *
 * How a `serve()` caller's stages and hooks reach the workers: functions cannot cross a process
 * boundary, so, as Node's cluster does, each worker runs the calling script again
 * (`process.argv[1]`, with `process.execArgv`), and `serve()` called inside a worker runs the
 * worker with the stages and hooks it is given there. In a worker `serve()` never returns: the
 * code after it runs in the arbiter only, the code before it in every process.
 *
 * @example
 * import { serve, stage, respond } from 'runicorn';
 * const requireHost = stage((ex) => (ex.req.headers.host ? ex : (respond(ex, 400, 'Bad Request\n'), undefined)));
 * const server = await serve({ app: 'app.mjs', workers: 2, bind: ['127.0.0.1:8000'], stages: [requireHost] });
 * await server.stop();
 */
import { isAbsolute, resolve } from 'node:path';
import * as E from 'fp-ts/Either';
import { merge, Subject, type Unsubscribable } from 'rxjs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bufferSignals } from './effects/run-arbiter';
import { signalReceived, type ArbiterEvent } from './streams/events';
import { boot } from './cli/boot';
import { loadConfigFile } from './cli/config-file';
import { hooksOf } from './cli/hooks';
import { resolveConfig, type Layer } from './cli/resolve-config';
import { allSettings, type Config, type SettingName } from './cli/settings/index';
import type { Stages, StageWorker } from './cli/settings/node';
import { isWorkerProcess, startWorkerProcess } from './cli/worker-process';
import type { HookLog } from './effects/hook-runner';
import { runicornError } from './streams/errors';

/** A worker as arbiter hooks see it. */
export interface WorkerInfo {
  readonly pid: number;
  readonly age: number;
  readonly booted: boolean;
  readonly aborted: boolean;
}

/** The arbiter as its hooks see it. */
export interface ArbiterInfo {
  readonly pid: number;
  readonly config: Config;
  readonly workers: readonly WorkerInfo[];
  readonly log: HookLog;
}

/** A worker process as its own hooks see it. */
export interface WorkerSelf {
  readonly pid: number;
  readonly ppid: number;
  readonly age: number;
  readonly booted: boolean;
  /** Requests served so far. */
  readonly nr: number;
  readonly log: HookLog;
  readonly config: Readonly<Record<string, unknown>>;
}

/** The arbiter as worker hooks see it (postFork, workerExit). */
export interface ArbiterFromWorker {
  readonly pid: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly log: HookLog;
}

/**
 * The server hooks runicorn calls, with the arguments it passes (Gunicorn's, in camelCase).
 *
 * @example
 * const hooks: ServerHooks = { whenReady: (arbiter) => arbiter.log.info('ready') };
 */
export interface ServerHooks {
  readonly onStarting?: (arbiter: ArbiterInfo) => unknown;
  readonly onReload?: (arbiter: ArbiterInfo) => unknown;
  readonly whenReady?: (arbiter: ArbiterInfo) => unknown;
  readonly preFork?: (arbiter: ArbiterInfo, worker: WorkerInfo) => unknown;
  readonly postFork?: (arbiter: ArbiterFromWorker, worker: WorkerSelf) => unknown;
  readonly postWorkerInit?: (worker: WorkerSelf) => unknown;
  readonly workerInt?: (worker: WorkerSelf) => unknown;
  readonly workerAbort?: (worker: WorkerSelf) => unknown;
  readonly preExec?: (arbiter: ArbiterInfo) => unknown;
  readonly preRequest?: (worker: WorkerSelf, req: IncomingMessage) => unknown;
  readonly postRequest?: (worker: WorkerSelf, req: IncomingMessage, res: ServerResponse) => unknown;
  readonly childExit?: (arbiter: ArbiterInfo, worker: WorkerInfo) => unknown;
  readonly workerExit?: (arbiter: ArbiterFromWorker, worker: WorkerSelf) => unknown;
  readonly nworkersChanged?: (arbiter: ArbiterInfo, newValue: number, oldValue: number | null) => unknown;
  readonly onExit?: (arbiter: ArbiterInfo) => unknown;
}

/** Settings whose value is a function or null: the hooks. */
type HookKey = {
  [K in SettingName]: Config[K] extends ((...args: never[]) => unknown) | null
    ? null extends Config[K]
      ? K
      : never
    : never;
}[SettingName];

/** Every other setting, with its decoded type (as `--print-config` would show it resolved). */
type PlainKey = Exclude<SettingName, HookKey | 'app' | 'bind' | 'stages'>;

/**
 * `serve()`'s options: every setting by its camelCase name, each optional and typed as the
 * setting decodes, plus the app, the stages and the hooks. Derived from the settings registry.
 *
 * @example
 * const options: ServeOptions = { app: 'app.mjs:app', workers: 4, timeout: 60, bind: '0.0.0.0:8000' };
 */
export type ServeOptions = { readonly [K in PlainKey]?: Config[K] } & {
  readonly [K in Exclude<HookKey, keyof ServerHooks>]?: Config[K];
} & ServerHooks & {
    /** The APP, as on the command line: 'app.mjs', 'app.mjs:server', "app.mjs:create('prod')". */
    readonly app?: string;
    /** Addresses as on the command line: '127.0.0.1:8000', '[::1]:8000', 'unix:/path', 'fd://3'. */
    readonly bind?: string | readonly string[];
    /** Request stages, or a function of the worker returning them (see the `stages` setting). */
    readonly stages?: Stages;
  };

/**
 * A running arbiter started by `serve()`.
 *
 * `stop()` is a graceful stop (TERM): workers finish their requests and exit, then the arbiter
 * closes its sockets; it resolves with the exit code the CLI would have exited with, and leaves
 * this process running. `unsubscribe()` starts the same stop without waiting.
 *
 * @example
 * const server = await serve({ app: 'app.mjs' });
 * process.on('SIGUSR2', () => void server.stop());
 */
export interface Server extends Unsubscribable {
  /** The arbiter's pid (this process). */
  readonly pid: number;
  /** Resolves with the exit code once the arbiter has stopped, however it stopped. */
  readonly exited: Promise<number>;
  stop(): Promise<number>;
  unsubscribe(): void;
}

const hookNames = new Set(allSettings().flatMap(([key, s]) => (s.codec.name === 'HookFn' ? [key as string] : [])));
const settingNames = new Set(allSettings().map(([key]) => key as string));

/** The script workers re-run, or the CLI's worker entry when no function has to reach them. */
function workerEntry(options: ServeOptions): string | undefined {
  const script = process.argv[1];
  if (script) return isAbsolute(script) ? script : resolve(script);
  const functions = options.stages || Object.keys(options).some((k) => hookNames.has(k));
  if (functions) {
    throw runicornError('RUNICORN_BAD_USAGE', {
      detail:
        'serve(): stages and hooks reach workers by re-running this script, but there is none '
        + '(process.argv[1] is not set); call serve() from a script file, or put them in a config file (`config`)',
      source: '',
    });
  }
  return undefined;
}

async function layersOf(options: ServeOptions): Promise<{ layers: Layer[]; configFile: string | undefined }> {
  const unknown = Object.keys(options).filter((k) => !settingNames.has(k));
  if (unknown.length) {
    const detail = `serve(): unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`;
    throw runicornError('RUNICORN_BAD_USAGE', { detail, source: '' });
  }
  const configFile = typeof options.config === 'string' ? resolve(options.config.replace(/^file:/, '')) : undefined;
  const file = configFile ? (await loadConfigFile(configFile)).layer : undefined;
  const values = Object.fromEntries(Object.entries(options).filter(([k, v]) => k !== 'app' && v !== undefined));
  return { layers: [...(file ? [file] : []), { source: 'serve()', style: 'key', values }], configFile };
}

/**
 * Start an arbiter in this process and its workers; resolves once the sockets are bound.
 *
 * Rejects with a `RunicornError` (a stable `code`, an `exitCode`, a one-line `message`; see
 * docs/errors.md) for a bad option, a config file that does not load, or a bind failure. See
 * the file header for how workers get the stages and hooks.
 *
 * @example
 * const server = await serve({ app: 'examples/hello.mjs', workers: 2, bind: '127.0.0.1:0' });
 */
export async function serve(options: ServeOptions): Promise<Server> {
  if (isWorkerProcess()) {
    const hooks = hooksOf(options as Readonly<Record<string, unknown>>);
    return startWorkerProcess({ hooks, stages: options.stages ?? null });
  }
  const { layers, configFile } = await layersOf(options);
  const resolved = resolveConfig(layers, process.env);
  if (E.isLeft(resolved)) throw resolved.left;
  const { config } = resolved.right;
  const app = options.app ?? config.app;
  if (!app) throw runicornError('RUNICORN_NO_APP', { usage: 'serve() needs `app`', hint: 'e.g. "app.mjs:app"' });
  const entry = workerEntry(options);

  const buffered = bufferSignals();
  const stop$ = new Subject<ArbiterEvent>();
  let finish: (code: number) => void = () => undefined;
  const exited = new Promise<number>((done) => (finish = done));
  let running: Unsubscribable | undefined;
  const onExit = (code: number) =>
    setImmediate(() => {
      running?.unsubscribe();
      buffered.release();
      finish(code);
    });
  const booted = await boot({
    config,
    app,
    configFile,
    onExit,
    signals: { signal$: merge(buffered.signal$, stop$), release: buffered.release },
    ...(entry ? { workerEntry: entry } : {}),
  })();
  if (E.isLeft(booted)) throw booted.left;
  running = booted.right;
  let stopping = false;
  const stop = (): Promise<number> => {
    if (!stopping) {
      stopping = true;
      stop$.next(signalReceived('TERM'));
    }
    return exited;
  };
  return { pid: process.pid, exited, stop, unsubscribe: () => void stop() };
}

export type { Config, Stages, StageWorker };

// Errors: every failure a user can cause, with a stable code (docs/errors.md)
export { ERRORS, type ErrorCode, isRunicornError, RunicornError, runicornError } from './streams/errors';

// Request stages
export type { Exchange, RequestLike, ResponseLike } from './streams/pipeline/exchange';
export { respond } from './streams/pipeline/exchange';
export type { Stage } from './streams/pipeline/stage';
export { stage } from './streams/pipeline/stage';
export { serve as serveApp, type ServeOptions as ServeAppOptions } from './streams/pipeline/serve';
export { contain, type StageErrorHandler } from './streams/pipeline/contain';
export { requestPipeline, type RequestPipelineOptions } from './streams/pipeline/request-pipeline';
export { AppReturnedAppError } from './streams/pipeline/app-like';

// Lifecycle kit (runicorn/testing has it too, with inject() and fake ports)
export * from './streams/lifecycle-kit';
export { parseBind, type BindAddress } from './streams/bind-address';

// Your own worker class, for `-k ./my-worker.mjs` (docs/worker-classes.md)
export type { WorkerClassContext, WorkerClassModule } from './effects/worker-class';
