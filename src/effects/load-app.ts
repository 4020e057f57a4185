/**
 * Turns an APP argument (`examples/hello.mjs`, `app:create('prod')`) into a Node request
 * listener, in the process that will serve it.
 *
 * The steps form one `TaskEither` pipeline (parse → resolve → import → pick the export → call
 * the factory → adapt the app kind), each failing with a one-line reason; `loadApp` turns the
 * reason into a `RunicornError` with code `RUNICORN_APP_LOAD` (see `streams/errors`). The file
 * is longer than most because the error messages are the feature: a user who mistypes an APP
 * sees one line naming what to fix, never a stack.
 * Splitting resolution, lookup and adaptation apart would scatter that wording over three files.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { getRequestListener } from '@hono/node-server';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as O from 'fp-ts/Option';
import * as TE from 'fp-ts/TaskEither';
import { parseAppSpec, type AppSpec } from '../streams/app-spec';
import { runicornError } from '../streams/errors';

/**
 * How to treat the export: detect it (`auto`), or force a Node listener or a Fetch handler.
 *
 * `fetch` is needed for a bare `(request) => Response` function, which looks exactly like a
 * Node listener until it is called.
 *
 * @example
 * await loadApp('handler.mjs', { cwd, kind: 'fetch' });
 */
export type AppKind = 'auto' | 'node' | 'fetch';

/**
 * A Node `request` listener, what `http.createServer` takes.
 *
 * @example
 * const listener: RequestListener = (req, res) => res.end('ok');
 */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * The app, ready to serve, and what it was recognised as.
 *
 * @example
 * const { listener, kind } = await loadApp('examples/koa.mjs', { cwd, kind: 'auto' }); // kind 'koa'
 * http.createServer(listener);
 */
export interface LoadedApp {
  readonly listener: RequestListener;
  readonly kind: 'node' | 'koa' | 'fastify' | 'fetch' | 'server';
  /**
   * The app's own `http.Server` (or `https.Server`), not listening, for an app that exported one
   * (ws, socket.io, anything on `upgrade`): runicorn listens it on its sockets. Its `request`
   * listeners have been taken off and are `listener`.
   */
  readonly server?: http.Server;
  /**
   * Set when the app loaded but looks wrong: a Node listener that takes no arguments is most
   * likely a factory named without parentheses (`app.mjs:create` where `create()` was meant).
   */
  readonly warning?: string;
  /**
   * A Node listener that swaps each request's prototype for `http.IncomingMessage`'s (Express 4
   * and 5): it breaks on an HTTP/2 request (Node's `Http2ServerRequest` is not one).
   */
  readonly needsIncomingMessage?: true;
}

/**
 * Where to look for the module, how to treat the export, and where a Fetch handler's
 * exceptions go.
 *
 * `onError` sees errors thrown (or rejected) by a Fetch handler, which are answered with a
 * 500; without it they go to `console.error`. Node-style apps handle their own errors.
 *
 * @example
 * const options: LoadAppOptions = { cwd: process.cwd(), kind: 'auto', onError: (e) => logger.log('error', String(e)) };
 */
export interface LoadAppOptions {
  readonly cwd: string;
  readonly kind: AppKind;
  readonly onError?: (error: unknown) => void;
}

/**
 * Imports the module named by `spec`, picks the export, and adapts it to a request listener.
 *
 * Detection, first match wins: an `http.Server` or `https.Server` that is not listening is the
 * app's own server (its `request` listeners are taken over, `server` is set; one already
 * listening is refused); an object or function with a `fetch` method is a Fetch handler
 * (Hono); `ready` + `routing` is Fastify (`await ready()`, then `routing`, the listener Fastify
 * itself gives `http.createServer`); `callback` + `use` is Koa (`callback()`); any other
 * function is a Node `(req, res)` listener (Express, Connect). Every failure is a
 * `RunicornError` with code `RUNICORN_APP_LOAD`, naming the spec and the reason in one line.
 *
 * @example
 * const app = await loadApp("app.mjs:create('prod')", { cwd: process.cwd(), kind: 'auto' });
 * http.createServer(app.listener).listen(8000);
 */
export async function loadApp(spec: string, options: LoadAppOptions): Promise<LoadedApp> {
  const result = await loadAppResult(spec, options);
  if (E.isLeft(result)) throw runicornError('RUNICORN_APP_LOAD', { spec, reason: result.left });
  return result.right;
}

/**
 * `loadApp` without the throw: the app, or the one-line reason it cannot load.
 *
 * For a caller that passes the reason on rather than the error, such as the child process of
 * `--check-config`, which answers over IPC where only plain data travels.
 *
 * @example
 * const result = await loadAppResult('app.mjs:nope', { cwd, kind: 'auto' }); // left('./app.mjs has no export "nope" (…)')
 */
export function loadAppResult(spec: string, options: LoadAppOptions): Promise<E.Either<string, LoadedApp>> {
  return (
    pipe(
      TE.fromEither(parseAppSpec(spec)),
      TE.bindTo('app'),
      TE.bind('module', ({ app }) => TE.fromEither(resolveModule(app.module, options.cwd))),
      TE.bind('ns', ({ module }) => importModule(module)),
      TE.bind('picked', ({ app, module, ns }) => TE.fromEither(pickExport(ns, app, module, options.kind))),
      TE.chain(({ app, picked }) =>
        app.args === undefined ? TE.right(picked) : callFactory(picked, app.args, options.kind),
      ),
      TE.chain((picked) => adapt(picked.value, `"${picked.name}" of ${picked.module.display}`, options)),
    )()
      // Only what the steps did not foresee lands here: a getter or Proxy in the exports that
      // throws while being inspected, a file system error other than "not found".
      .catch((error: unknown) => E.left(describeThrown(error)))
  );
}

/** A module found on disk (`file`) or a built-in, with how to name it in messages. */
interface ResolvedModule {
  readonly specifier: string;
  readonly file: string | undefined;
  readonly display: string;
}

const EXTENSIONS = ['.js', '.mjs', '.cjs'];
const SUFFIXES = ['', ...EXTENSIONS, '/index.js', '/index.mjs'];

/**
 * Explicit paths (`./x`, `/x`) are files only. Any other name is tried as a file in `cwd`
 * first, as Python finds `app.py` beside Gunicorn, and then as a package installed for `cwd`;
 * so `examples/hello`, `hello` (for hello.js) and `@scope/pkg` all work.
 */
function resolveModule(name: string, cwd: string): E.Either<string, ResolvedModule> {
  const explicit = name.startsWith('.') || name.startsWith('/');
  const pathLike = explicit || name.includes('/') || /\.[cm]?[jt]s$/.test(name);
  const display = pathLike && !explicit && !name.startsWith('@') ? `./${name}` : name;
  const base = path.resolve(cwd, name);
  const file = SUFFIXES.map((suffix) => base + suffix).find(isFile);
  if (file !== undefined) return E.right({ specifier: pathToFileURL(file).href, file, display });
  if (explicit) return E.left(`no such module ${display} (from ${cwd})`);
  try {
    const resolved = createRequire(path.join(cwd, 'noop.js')).resolve(name);
    return E.right(
      path.isAbsolute(resolved)
        ? { specifier: pathToFileURL(resolved).href, file: resolved, display: name }
        : { specifier: resolved, file: undefined, display: name },
    );
  } catch (error) {
    if (codeOf(error) !== 'MODULE_NOT_FOUND')
      return E.left(`cannot resolve package ${name} from ${cwd}: ${describeThrown(error)}`);
    if (/\.[cm]?[jt]s$/.test(name)) return E.left(`no such module ${display} (from ${cwd})`);
    if (name.startsWith('@')) return E.left(`no package ${name} installed (from ${cwd})`);
    if (pathLike) return E.left(`no such module ${display}, nor a package ${name} (from ${cwd})`);
    return E.left(
      `no such module ${name} (no ${EXTENSIONS.map((ext) => name + ext).join(', ')} in ${cwd}, and no package ${name} installed there)`,
    );
  }
}

const isFile = (file: string): boolean => statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;

/** `import()` works for ESM and CommonJS alike; for CommonJS, `ns.default` is `module.exports`. */
function importModule(module: ResolvedModule): TE.TaskEither<string, Namespace> {
  return TE.tryCatch(
    () => import(module.specifier) as Promise<Namespace>,
    (error) =>
      `importing ${module.display} failed: ${describeThrown(error)}${throwLocation(error, module)}${typeScriptHint(error)}`,
  );
}

type Namespace = Readonly<Record<string, unknown>>;

/** The chosen export, its dotted name for messages, and the object it hangs off (a factory's `this`). */
interface Picked {
  readonly value: unknown;
  readonly name: string;
  readonly owner: unknown;
  readonly module: ResolvedModule;
}

const FALLBACKS = ['default', 'app', 'application'];

/**
 * A CommonJS module compiled from ESM (`exports.__esModule = true; exports.default = app`, as
 * tsc, esbuild and tsx emit for a `"type": "commonjs"` project) imports as `ns.default` =
 * `module.exports`; its real default export is one level down. Other namespaces are unchanged.
 */
function unwrapCompiledDefault(ns: Namespace): Namespace {
  const exports = ns.default;
  if (!isObjectLike(exports) || exports.__esModule !== true || !('default' in exports)) return ns;
  return { ...namedOf(exports), default: exports.default };
}

function pickExport(loaded: Namespace, spec: AppSpec, module: ResolvedModule, kind: AppKind): E.Either<string, Picked> {
  const ns = unwrapCompiledDefault(loaded);
  if (spec.attribute !== undefined) return walk(ns, spec.attribute, module);
  // CommonJS `exports.app = fn` shows up as `ns.default.app` (and as `ns.app` only when Node's
  // static analysis spotted it), so the nested spellings are candidates too.
  const exports = ns.default;
  const nested = isObjectLike(exports)
    ? FALLBACKS.slice(1).map((name) => ({ name, value: exports[name], owner: exports }))
    : [];
  const candidates = [...FALLBACKS.map((name) => ({ name, value: ns[name], owner: undefined })), ...nested];
  const app = candidates.find((c) => O.isSome(detect(c.value, kind)));
  if (app !== undefined) return E.right({ ...app, module });
  const found = candidates.find((c) => c.value !== undefined);
  if (found === undefined)
    return E.left(`${module.display} has no default export, nor one named "app" or "application" (${exportList(ns)})`);
  return E.left(
    `the ${found.name === 'default' ? 'default export' : `export "${found.name}"`} of ${module.display} is not an app: ${notAnApp(found.value, kind)}`,
  );
}

/** The own enumerable properties of a compiled module's `module.exports`, but its default and marker. */
function namedOf(exports: unknown): Namespace {
  if (!isObjectLike(exports)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(exports)) if (key !== 'default' && key !== '__esModule') out[key] = value;
  return out;
}

/** Follows a dotted attribute; a first segment missing from `ns` is looked up on `module.exports`. */
function walk(ns: Namespace, attribute: string, module: ResolvedModule): E.Either<string, Picked> {
  const [first = '', ...rest] = attribute.split('.');
  const exports = ns.default;
  const fromDefault = !(first in ns) && isObjectLike(exports) && first in exports;
  let owner: unknown = fromDefault ? exports : undefined;
  let value: unknown = fromDefault ? (exports as Record<string, unknown>)[first] : ns[first];
  if (value === undefined)
    return E.left(
      first in ns
        ? `export "${first}" of ${module.display} is undefined`
        : `${module.display} has no export "${first}" (${exportList(ns)})`,
    );
  let name = first;
  for (const key of rest) {
    if (!isObjectLike(value))
      return E.left(`"${name}" of ${module.display} is ${describeValue(value)}, so it has no property "${key}"`);
    owner = value;
    value = value[key];
    name = `${name}.${key}`;
    if (value === undefined) return E.left(`${module.display} has no export "${name}"`);
  }
  return E.right({ value, name, owner, module });
}

function callFactory(picked: Picked, args: readonly unknown[], kind: AppKind): TE.TaskEither<string, Picked> {
  const { value, name, owner, module } = picked;
  if (typeof value !== 'function')
    return TE.left(
      `"${name}" of ${module.display} is ${describeValue(value)}, not a function, so it cannot be called as a factory`,
    );
  const call = `${name}(${args.map((arg) => JSON.stringify(arg)).join(', ')})`;
  return pipe(
    TE.tryCatch(
      async (): Promise<unknown> => await Reflect.apply(value, owner, args),
      (error) => `factory ${call} threw ${describeThrown(error)}${throwLocation(error, module)}`,
    ),
    TE.filterOrElse(
      (made) => O.isSome(detect(made, kind)),
      (made) => `factory ${call} returned ${describeValue(made)}, not an app; expected ${expected(kind)}`,
    ),
    TE.map((made) => ({ value: made, name: call, owner: undefined, module })),
  );
}

type FetchCallback = Parameters<typeof getRequestListener>[0];

type Detected =
  | { readonly kind: 'server'; readonly server: net.Server }
  | { readonly kind: 'fetch'; readonly fetch: FetchCallback }
  | { readonly kind: 'fastify'; readonly app: { ready(): Promise<unknown>; routing: RequestListener } }
  | { readonly kind: 'koa'; readonly app: { callback(): RequestListener } }
  | { readonly kind: 'node'; readonly listener: RequestListener };

/** Recognises an app kind; `Some` is also what "is an app" means when picking a fallback export. */
function detect(value: unknown, kind: AppKind): O.Option<Detected> {
  if (!isObjectLike(value)) return O.none;
  if (kind !== 'fetch' && value instanceof net.Server) return O.some({ kind: 'server', server: value });
  if (kind !== 'node' && typeof value.fetch === 'function')
    return O.some({ kind: 'fetch', fetch: (value.fetch as FetchCallback).bind(value) });
  if (kind === 'fetch')
    return typeof value === 'function' ? O.some({ kind: 'fetch', fetch: value as FetchCallback }) : O.none;
  if (typeof value.ready === 'function' && typeof value.routing === 'function')
    return O.some({ kind: 'fastify', app: value as Extract<Detected, { kind: 'fastify' }>['app'] });
  if (typeof value.callback === 'function' && typeof value.use === 'function')
    return O.some({ kind: 'koa', app: value as Extract<Detected, { kind: 'koa' }>['app'] });
  return typeof value === 'function' ? O.some({ kind: 'node', listener: value as RequestListener }) : O.none;
}

/**
 * Adapts an app value (a `(req, res)` listener, Express, Koa, Fastify, or a Fetch handler) to a
 * Node request listener, as `loadApp` does once it has imported the module.
 *
 * For code that already holds the app, such as `inject()` in tests. The `RUNICORN_APP_LOAD`
 * error names `what` the value was when it is not an app.
 *
 * @example
 * const { listener } = await adaptApp(expressApp, { kind: 'auto' });
 * http.createServer(listener);
 */
export async function adaptApp(
  value: unknown,
  options: Omit<LoadAppOptions, 'cwd'> & { readonly what?: string },
): Promise<LoadedApp> {
  const what = options.what ?? 'the app';
  const result = await adapt(value, what, { cwd: '', ...options })().catch((error: unknown) =>
    E.left(describeThrown(error)),
  );
  if (E.isLeft(result)) throw runicornError('RUNICORN_APP_LOAD', { spec: what, reason: result.left });
  return result.right;
}

function adapt(value: unknown, what: string, options: LoadAppOptions): TE.TaskEither<string, LoadedApp> {
  const detected = detect(value, options.kind);
  if (O.isNone(detected)) return TE.left(`${what} is not an app: ${notAnApp(value, options.kind)}`);
  const app = detected.value;
  switch (app.kind) {
    case 'fetch':
      // Imported here, not at the top: it costs ~35 ms of boot in every worker otherwise.
      return TE.tryCatch(
        async () => {
          const adapter = await import('@hono/node-server');
          const errorHandler = fetchErrorHandler(adapter.RequestError, options.onError);
          return { kind: 'fetch', listener: adapter.getRequestListener(app.fetch, { errorHandler }) };
        },
        (error) => `loading the Fetch adapter @hono/node-server failed: ${describeThrown(error)}`,
      );
    case 'fastify':
      // `routing` is the very function Fastify hands to http.createServer; it is only safe to
      // call once the plugins have loaded, which is what ready() waits for.
      return TE.tryCatch(
        async () => {
          await app.app.ready();
          return { kind: 'fastify', listener: app.app.routing };
        },
        (error) => `the Fastify app ${what} failed to start: ${describeThrown(error)}`,
      );
    case 'koa':
      return TE.tryCatch(
        async () => ({ kind: 'koa', listener: app.app.callback() }),
        (error) => `the Koa app ${what} failed to build its callback: ${describeThrown(error)}`,
      );
    case 'server':
      return TE.fromEither(adoptServer(app.server, what));
    case 'node':
      return TE.right({
        kind: 'node',
        listener: app.listener,
        ...(app.listener.length === 0 ? { warning: factoryWarning(what) } : {}),
        ...(swapsRequestPrototype(app.listener) ? { needsIncomingMessage: true as const } : {}),
      });
  }
}

/** Express's mark: `app.request`, the prototype it gives each request, is an `http.IncomingMessage`. */
function swapsRequestPrototype(listener: RequestListener): boolean {
  const request = (listener as { request?: unknown }).request;
  return typeof request === 'object' && request !== null && request instanceof http.IncomingMessage;
}

/**
 * An exported server: its `request` listeners become the app (runicorn's own listener takes
 * their place, so the guard, hooks and stages see every ordinary request); `upgrade` and every
 * other listener stay the app's.
 */
function adoptServer(server: net.Server, what: string): E.Either<string, LoadedApp> {
  if (!(server instanceof http.Server || server instanceof https.Server))
    return E.left(
      `${what} is a net.Server but not an HTTP server; export one made by http.createServer or https.createServer`,
    );
  if (server.listening)
    return E.left(
      `${what} is a server already listening (on ${describeAddress(server.address())}); export it without calling listen(): runicorn listens it on its own sockets`,
    );
  const taken = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const [only] = taken;
  const listener: RequestListener =
    taken.length === 0
      ? notFound
      : taken.length === 1 && only !== undefined
        ? only
        : (req, res) => {
            for (const each of taken) each.call(server, req, res);
          };
  return E.right({ kind: 'server', listener, server: server as http.Server });
}

/** A server made with no request listener (WebSockets only) answers other requests 404. */
function notFound(_req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 10 });
  res.end('Not Found\n');
}

const describeAddress = (address: ReturnType<net.Server['address']>): string =>
  address === null ? 'an address' : typeof address === 'string' ? address : `${address.address}:${address.port}`;

/** `create` where `create()` was meant: a listener never declares zero parameters. */
const factoryWarning = (what: string): string =>
  `${what} takes no arguments, so it looks like a factory rather than a (req, res) listener; `
  + 'if it returns the app, call it: module:create()';

/**
 * The adapter answers a throwing Fetch handler with a bare 500 and logs nothing, so the error
 * handler is replaced to report it; its other answers are kept (400 for a request it cannot
 * turn into a `Request`, 504 for a `TimeoutError`). It must always return a Response: returning
 * nothing leaves the request hanging.
 */
function fetchErrorHandler(
  RequestError: abstract new (...args: never[]) => Error,
  onError: (error: unknown) => void = (error) => console.error(error),
) {
  return function fetchErrorHandler(error: unknown): Response {
    if (error instanceof RequestError) return new Response(null, { status: 400 });
    onError(error);
    const timeout = error instanceof Error && error.name === 'TimeoutError';
    return new Response(timeout ? 'Gateway Timeout' : 'Internal Server Error', { status: timeout ? 504 : 500 });
  };
}

function expected(kind: AppKind): string {
  if (kind === 'fetch') return 'a fetch(request) function or an object with a fetch method';
  if (kind === 'node') return 'a (req, res) function, a Koa app or a Fastify instance';
  return 'a (req, res) function, an object with a fetch method, a Koa app or a Fastify instance';
}

function notAnApp(value: unknown, kind: AppKind): string {
  const hint =
    isObjectLike(value) && typeof value.then === 'function'
      ? ' (await it: `export default await ...`, or name a factory: module:create())'
      : '';
  return `got ${describeValue(value)}${hint}; expected ${expected(kind)}`;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'function') return `a function`;
  if (typeof value === 'object') {
    if (typeof (value as { then?: unknown }).then === 'function') return 'a Promise';
    if (Array.isArray(value)) return `an array`;
    const keys = Object.keys(value);
    return keys.length === 0 ? 'an empty object' : `an object with keys ${truncatedList(keys)}`;
  }
  const shown =
    typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : String(value);
  return `a ${typeof value} (${shown})`;
}

function exportList(ns: Namespace): string {
  const names = Object.keys(ns);
  return names.length === 0 ? 'it exports nothing' : `it exports ${truncatedList(names)}`;
}

const truncatedList = (names: readonly string[]): string =>
  names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', ');

/** `Name: first line of the message`, for anything that can be thrown. */
function describeThrown(error: unknown): string {
  if (!(error instanceof Error)) return firstLine(String(error));
  return `${error.name}: ${firstLine(error.message)}`;
}

/**
 * ` (at file:line)` for an exception thrown while loading, best effort.
 *
 * A CommonJS SyntaxError's stack starts with `file:line`; an ESM one carries no location at all
 * on Node 20, so the entry file is re-checked with `node --check` (on this failure path only),
 * which prints it; when the entry file parses, the error is in a module it imports. Other
 * exceptions name their first frame in a file.
 */
function throwLocation(error: unknown, module: ResolvedModule): string {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return '';
  const lines = error.stack.split('\n');
  if (error instanceof SyntaxError) {
    const head = /^(.+:\d+)$/.exec(lines[0] ?? '');
    if (head !== null) return ` (at ${head[1] ?? ''})`;
    if (module.file === undefined) return '';
    const checked = syntaxCheck(module.file);
    if (checked === 'parses') return ` (in a module that ${module.display} imports)`;
    return checked === undefined ? '' : ` (at ${checked})`;
  }
  const frame = lines
    .map((line) => /^\s+at (?:.* \()?((?:file:\/\/|\/)[^)]+?)(:\d+:\d+)\)?$/.exec(line))
    .find((m) => m != null);
  const [, where = '', position = ''] = frame ?? [];
  if (where === '') return '';
  return ` (at ${where.startsWith('file:') ? fileURLToPath(where) : where}${position})`;
}

/** `file:line` of the syntax error in `file`, `'parses'` when there is none, or undefined. */
function syntaxCheck(file: string): string | undefined {
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  if (check.status === 0) return 'parses';
  return /^(.+:\d+)$/m.exec(check.stderr ?? '')?.[1];
}

/** Node 20 cannot import TypeScript by itself; say what to do instead. */
function typeScriptHint(error: unknown): string {
  return codeOf(error) === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.[cm]?ts\b/.test(String((error as Error).message))
    ? ' (compile it to JavaScript, or preload a TypeScript loader: NODE_OPTIONS="--import tsx")'
    : '';
}

const firstLine = (text: string): string => (text.split('\n', 1)[0] ?? '').trim();

const codeOf = (error: unknown): unknown => (isObjectLike(error) ? error.code : undefined);

function isObjectLike(value: unknown): value is Record<string, unknown> {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}
