/**
 * `--worker-class MODULE[:EXPORT]`: a user's own worker class, built on one of the built-in ones.
 *
 * Why this shape: Gunicorn's custom classes subclass a Python worker and override its loop. A
 * Node worker's loop is libuv's and its concurrency is a number, so what a user can meaningfully
 * change is small: which built-in behaviour to start from (`base`), the numbers (`concurrency`,
 * `keepAliveMs`), a check of the configuration in the arbiter (`checkConfig`, Gunicorn's
 * `check_config`), something to do once the module is loaded (`setup`, Gunicorn's), and the
 * worker's `http.Server`s before they listen (`init`: server options, `connection` listeners).
 * The API is documented in docs/worker-classes.md.
 *
 * The module is imported in the arbiter at boot (and on HUP), where a bad module or a refusing
 * `checkConfig` is one line and exit 1 before any worker starts, and again in every worker,
 * which runs `init`. Nothing here runs per request.
 *
 * @example
 * const custom = await resolveWorkerClass(config, logger); // undefined for sync, gthread, async
 * liveConfigFor({ config, app, configFile, workerClass: custom }, …);
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { runicornError } from '../streams/errors';
import { customWorkerProblem, isWorkerClass, type CustomWorkerClass, type WorkerClass } from '../streams/worker/policy';
import { errorLine } from './error-text';
import { hookLog, type HookLog } from './hook-runner';
import type { Logger } from './logger';

/**
 * What `init` gets in each worker, after the app loaded and `postWorkerInit` ran, before the
 * servers listen.
 *
 * @example
 * init({ servers, log }) { for (const s of servers) s.headersTimeout = 10_000; log.info('ready'); }
 */
export interface WorkerClassContext {
  /** The worker's HTTP servers, one per listener, not yet listening. */
  readonly servers: readonly Server[];
  /** The resolved settings (as hooks see them). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The worker's error log, as hooks get it. */
  readonly log: HookLog;
  readonly pid: number;
  /** The arbiter's number for this worker (Gunicorn's `age`). */
  readonly age: number;
}

/**
 * A worker class: the module's export, an object or a class with static members.
 *
 * @example
 * export default {
 *   base: 'gthread',
 *   checkConfig(config) { if (config.threads < 2) throw new Error('needs --threads 2 or more'); },
 *   init({ servers }) { for (const s of servers) s.on('connection', () => {}); },
 * };
 */
export interface WorkerClassModule {
  /** The built-in behaviour it extends: sync, gthread or async. */
  readonly base: WorkerClass;
  /** Requests in flight at once (not with base sync); a number, or worked out from the settings. */
  readonly concurrency?: number | ((config: Readonly<Record<string, unknown>>) => number);
  /** Idle keep-alive time in ms (not with base sync), instead of `--keep-alive`. */
  readonly keepAliveMs?: number | ((config: Readonly<Record<string, unknown>>) => number);
  /** In the arbiter at start (and HUP): throw to refuse the configuration. */
  checkConfig?(config: Readonly<Record<string, unknown>>, log: HookLog): unknown;
  /** Once the module is loaded, in the arbiter and in every worker. */
  setup?(): unknown;
  /** In every worker, before its servers listen. */
  init?(ctx: WorkerClassContext): unknown;
}

const EXTENSIONS = /\.[cm]?js$/;

const isFile = (file: string): boolean => statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;

/**
 * `./x.mjs`, `/x.mjs`: files; `x.mjs`, `dir/x`: a file in `cwd` if there is one, else a package
 * installed for `cwd`. Throws the one-line reason when there is neither.
 */
function modulePath(module: string, cwd: string): string {
  const local = resolve(cwd, module);
  const explicit = module.startsWith('.') || isAbsolute(module);
  if (isFile(local)) return local;
  if (explicit) throw new Error(`no such file ${module} (from ${cwd})`);
  try {
    return createRequire(join(cwd, 'noop.js')).resolve(module);
  } catch {
    const pathLike = (module.includes('/') && !module.startsWith('@')) || EXTENSIONS.test(module);
    throw new Error(
      pathLike
        ? `no such file ${module} (from ${cwd})`
        : `no file ${module} in ${cwd}, and no package ${module} installed there`,
    );
  }
}

/** `MODULE:EXPORT` split; `default` when no export is named. */
function splitSpec(spec: string): readonly [string, string] {
  const colon = spec.lastIndexOf(':');
  return colon > 1 ? [spec.slice(0, colon), spec.slice(colon + 1)] : [spec, 'default'];
}

const MEMBERS = ['checkConfig', 'setup', 'init'] as const;

/**
 * Import the module, pick the export, check its shape and call its `setup()`. Every failure is a
 * `RUNICORN_WORKER_CLASS` error: one line naming `--worker-class`, the module and what to fix.
 *
 * @example
 * const wc = await loadWorkerClass('./my-worker.mjs', process.cwd()); // wc.base === 'gthread'
 */
export async function loadWorkerClass(spec: string, cwd: string): Promise<WorkerClassModule> {
  const fail = (reason: string) => runicornError('RUNICORN_WORKER_CLASS', { spec, reason });
  const [module, name] = splitSpec(spec);
  let file: string;
  try {
    file = modulePath(module, cwd);
  } catch (err) {
    throw fail(errorLine(err));
  }
  let ns: Record<string, unknown>;
  try {
    ns = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw fail(`importing it failed: ${err instanceof Error ? `${err.name}: ` : ''}${errorLine(err)}`);
  }
  // CommonJS: `module.exports` is `ns.default`, its properties may be missing from `ns`.
  const cjs = ns.default as Record<string, unknown> | undefined;
  const exported = ns[name] ?? (name === 'default' || cjs === null ? undefined : cjs?.[name]);
  if (exported === undefined)
    throw fail(`it has no export "${name}" (it exports ${Object.keys(ns).join(', ') || 'nothing'})`);
  if ((typeof exported !== 'object' && typeof exported !== 'function') || exported === null)
    throw fail(`its export "${name}" is ${exported === null ? 'null' : typeof exported}, not a worker class`);
  const wc = exported as Record<string, unknown>;
  for (const member of MEMBERS)
    if (wc[member] !== undefined && typeof wc[member] !== 'function')
      throw fail(`its ${member} must be a function, got ${typeof wc[member]}`);
  for (const member of ['concurrency', 'keepAliveMs'] as const)
    if (wc[member] !== undefined && typeof wc[member] !== 'number' && typeof wc[member] !== 'function')
      throw fail(`its ${member} must be a number or a function of the settings, got ${typeof wc[member]}`);
  const shape = customWorkerProblem({ base: wc.base });
  if (shape) throw fail(shape);
  try {
    await (wc as unknown as WorkerClassModule).setup?.();
  } catch (err) {
    throw fail(`its setup() failed: ${errorLine(err)}`);
  }
  return wc as unknown as WorkerClassModule;
}

/**
 * In the arbiter: a built-in class is `undefined`; a module is loaded, its `checkConfig` run and
 * its `concurrency` and `keepAliveMs` worked out from the settings. Rejects with
 * `RUNICORN_WORKER_CLASS` (exit 1) for a bad module or a refused configuration.
 *
 * @example
 * await resolveWorkerClass({ ...config, workerClass: './w.mjs' }, logger) // { spec: './w.mjs', base: 'gthread' }
 */
export async function resolveWorkerClass(
  config: { readonly workerClass: string },
  logger: Logger,
  cwd: string = process.cwd(),
): Promise<CustomWorkerClass | undefined> {
  const spec = config.workerClass;
  if (isWorkerClass(spec)) return undefined;
  const fail = (reason: string) => runicornError('RUNICORN_WORKER_CLASS', { spec, reason });
  const wc = await loadWorkerClass(spec, cwd);
  const settings = config as unknown as Readonly<Record<string, unknown>>;
  try {
    await wc.checkConfig?.(settings, hookLog(logger));
  } catch (err) {
    throw fail(`its checkConfig refused: ${errorLine(err)}`);
  }
  const declared = (member: 'concurrency' | 'keepAliveMs'): unknown => {
    const value = wc[member];
    if (typeof value !== 'function') return value;
    try {
      return value.call(wc, settings);
    } catch (err) {
      throw fail(`its ${member}() failed: ${errorLine(err)}`);
    }
  };
  const concurrency = declared('concurrency');
  const keepAliveMs = declared('keepAliveMs');
  const problem = customWorkerProblem({ base: wc.base, concurrency, keepAliveMs });
  if (problem) throw fail(problem);
  return {
    spec,
    base: wc.base,
    ...(concurrency === undefined ? {} : { concurrency: concurrency as number }),
    ...(keepAliveMs === undefined ? {} : { keepAliveMs: keepAliveMs as number }),
  };
}

/**
 * In a worker: load the class again (Node has no fork, so each worker imports it) and run its
 * `init` on the servers before they listen. A failure rejects with the one line to log; the
 * worker then fails to boot (exit 3), and the arbiter stops rather than respawn it in a loop.
 *
 * @example
 * await initWorkerClass('./my-worker.mjs', { servers, config, log, pid: process.pid, age: 1 }, cwd);
 */
export async function initWorkerClass(spec: string, ctx: WorkerClassContext, cwd: string): Promise<void> {
  const wc = await loadWorkerClass(spec, cwd);
  try {
    await wc.init?.(ctx);
  } catch (err) {
    throw runicornError('RUNICORN_WORKER_CLASS', { spec, reason: `its init() failed: ${errorLine(err)}` });
  }
}
