/**
 * `loadApp` against real files: fixtures written to a temp dir for each export shape and each
 * failure, and the real `examples/` for each app kind, every one of which serves a request over
 * a real socket. Failures are asserted as a user sees them: one line naming the spec and the fix.
 * It is long because every export shape and every failure gets its own fixture and test.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adaptApp, loadApp, type AppKind, type LoadedApp } from '../../src/effects/load-app';
import { isRunicornError } from '../../src/streams/errors';
import { ExitCode } from '../../src/streams/exit-codes';

const repo = path.resolve(__dirname, '../../..');
let dir = '';

const fixtures: Readonly<Record<string, string>> = {
  'esm-default.mjs': `export default function (req, res) { res.end('esm default'); }`,
  'esm-named.mjs': `export function handler(req, res) { res.end('esm named'); }\nexport const other = 1;`,
  'cjs-function.cjs': `module.exports = function (req, res) { res.end('cjs function'); };`,
  'cjs-exports-app.cjs': `exports.app = function (req, res) { res.end('cjs exports.app'); };`,
  'cjs-literal.cjs': `const application = (req, res) => res.end('cjs literal');\nmodule.exports = { application, port: 1 };`,
  'app-fallback.mjs': `export const config = { port: 1 };\nexport const app = (req, res) => res.end('app fallback');`,
  'application-fallback.mjs': `export const application = (req, res) => res.end('application fallback');`,
  'factory.mjs': [
    `export function create(...args) { return (req, res) => res.end(JSON.stringify(args)); }`,
    `export async function createAsync(name) { await new Promise((r) => setTimeout(r, 5)); return (req, res) => res.end('async ' + name); }`,
    `export const builders = { make(suffix) { return (req, res) => res.end(this.prefix + suffix); }, prefix: 'made by ' };`,
    `export function broken() { throw new Error('factory exploded\\nsecond line'); }`,
    `export function nothing() {}`,
    `export const settings = { port: 1 };`,
  ].join('\n'),
  'nested.mjs': `export const routers = { api: { v1: (req, res) => res.end('nested v1') } };`,
  'not-callable.mjs': `export const config = { port: 8000 };\nexport const answer = 42;`,
  'promise.mjs': `export default Promise.resolve((req, res) => res.end('late'));`,
  'empty.mjs': `export const x = 1;`,
  'throws.mjs': `const x = 1;\nthrow new Error('boom at import\\nsecond line');`,
  'throws-string.cjs': `throw 'a bare string';`,
  'syntax.mjs': `export default 1;\nconst x = ;\n`,
  'syntax.cjs': `module.exports = 1;\n\nconst y = );\n`,
  'imports-missing.mjs': `import x from 'no-such-package-xyz';\nexport default x;`,
  'imports-syntax.mjs': `import './syntax.mjs';\nexport default (req, res) => res.end();`,
  'typed.ts': `export default (req: unknown, res: { end(): void }) => res.end();`,
  'fastify-broken.mjs': [
    `import Fastify from ${JSON.stringify(path.join(repo, 'node_modules/fastify/fastify.js'))};`,
    `const app = Fastify();`,
    `app.register(async () => { throw new Error('plugin failed\\nat boot'); });`,
    `export default app;`,
  ].join('\n'),
  'fetch-function.mjs': `export default (request) => new Response('fetch fn ' + new URL(request.url).pathname);`,
  'fetch-throws.mjs': [
    `export default { fetch(request) {`,
    `  const path = new URL(request.url).pathname;`,
    `  if (path === '/sync') throw new Error('sync failure');`,
    `  if (path === '/async') return Promise.reject(new Error('async failure'));`,
    `  return new Response('fine');`,
    `} };`,
  ].join('\n'),
  'fetch-object.mjs': `export default { greeting: 'hi', fetch(request) { return new Response(this.greeting); } };`,
  'bare-name.cjs': `module.exports = (req, res) => res.end('bare name');`,
  // What tsc emits for `export default app` and `export function create()` in a CommonJS project.
  'compiled.cjs': [
    `"use strict";`,
    `Object.defineProperty(exports, "__esModule", { value: true });`,
    `exports.create = create;`,
    `function create() { return (req, res) => res.end('compiled create'); }`,
    `const app = (req, res) => res.end('compiled default');`,
    `exports.default = app;`,
  ].join('\n'),
  'compiled-not-app.cjs': `Object.defineProperty(exports, "__esModule", { value: true });\nexports.default = { port: 1 };`,
  'zero-args.mjs': `export function create() { return (req, res) => res.end('made'); }\nexport const listener = (req, res) => res.end('ok');`,
  'pkgdir/index.mjs': `export default (req, res) => res.end('directory index');`,
  'node_modules/fake-app/package.json': `{ "name": "fake-app", "main": "main.js" }`,
  'node_modules/fake-app/main.js': `module.exports = (req, res) => res.end('from a package');`,
};

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runicorn-load-app-'));
  for (const [name, text] of Object.entries(fixtures)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const load = (spec: string, kind: AppKind = 'auto', onError?: (e: unknown) => void) =>
  loadApp(spec, { cwd: dir, kind, ...(onError ? { onError } : {}) });

interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Serves `app` on an ephemeral port for exactly one request. */
async function serveOnce(app: LoadedApp, urlPath = '/', headers: http.OutgoingHttpHeaders = {}): Promise<Reply> {
  const server = http.createServer(app.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: urlPath, headers, agent: false, setHost: !('host' in headers) },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Loads `spec`, expecting a RUNICORN_APP_LOAD error; returns its message after the common checks. */
async function loadError(spec: string, kind: AppKind = 'auto'): Promise<string> {
  const error = await load(spec, kind).then(
    () => assert.fail(`${spec} should not load`),
    (e: unknown) => e,
  );
  assert.ok(isRunicornError(error, 'RUNICORN_APP_LOAD'), `expected a RUNICORN_APP_LOAD error, got ${String(error)}`);
  assert.equal(error.exitCode, ExitCode.AppLoadError);
  assert.doesNotMatch(error.message, /[\r\n]/, 'the message is one line');
  assert.ok(error.message.startsWith(`cannot load app "${spec}": `), error.message);
  return error.message;
}

describe('export lookup', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['esm-default.mjs', 'esm default'],
    ['esm-named.mjs:handler', 'esm named'],
    ['cjs-function.cjs', 'cjs function'],
    ['cjs-exports-app.cjs', 'cjs exports.app'],
    ['cjs-exports-app.cjs:app', 'cjs exports.app'],
    ['cjs-literal.cjs', 'cjs literal'],
    ['app-fallback.mjs', 'app fallback'],
    ['application-fallback.mjs', 'application fallback'],
    ['nested.mjs:routers.api.v1', 'nested v1'],
    ['./esm-default.mjs', 'esm default'],
    ['esm-default', 'esm default'],
    ['bare-name', 'bare name'],
    ['pkgdir', 'directory index'],
    ['fake-app', 'from a package'],
    ['compiled.cjs', 'compiled default'],
    ['compiled.cjs:default', 'compiled default'],
    ['compiled.cjs:create()', 'compiled create'],
  ];
  for (const [spec, body] of cases) {
    test(`${spec} loads as a node listener`, async () => {
      const app = await load(spec);
      assert.equal(app.kind, 'node');
      assert.equal((await serveOnce(app)).body, body);
    });
  }

  test('an absolute module path loads', async () => {
    const app = await load(path.join(dir, 'esm-default.mjs'));
    assert.equal((await serveOnce(app)).body, 'esm default');
  });
});

describe('compiled CommonJS and factory slips', () => {
  test("a compiled module's default export that is not an app is named as the default export", async () => {
    assert.match(
      await loadError('compiled-not-app.cjs'),
      /the default export of \.\/compiled-not-app\.cjs is not an app: got an object with keys port/,
    );
  });

  test('a listener with no parameters loads with a warning that suggests calling it', async () => {
    const app = await load('zero-args.mjs:create');
    assert.match(
      app.warning ?? '',
      /^"create" of \.\/zero-args\.mjs takes no arguments, .*call it: module:create\(\)$/,
    );
    assert.equal((await load('zero-args.mjs:listener')).warning, undefined);
    assert.equal((await load('zero-args.mjs:create()')).warning, undefined);
  });

  test('adaptApp adapts a value in hand, and names it when it is not an app', async () => {
    const app = await adaptApp({ fetch: () => new Response('adapted') }, { kind: 'auto' });
    assert.equal(app.kind, 'fetch');
    assert.equal((await serveOnce(app)).body, 'adapted');
    await assert.rejects(
      adaptApp(42, { kind: 'auto', what: "inject()'s app" }),
      /^RunicornError: cannot load app "inject\(\)'s app": inject\(\)'s app is not an app: got a number \(42\)/,
    );
  });
});

describe('factories', () => {
  test('the arguments arrive, JSON and single-quoted alike', async () => {
    const app = await load(`factory.mjs:create('x', {"n": 2}, [true, null])`);
    assert.equal(app.kind, 'node');
    assert.deepStrictEqual(JSON.parse((await serveOnce(app)).body), ['x', { n: 2 }, [true, null]]);
  });

  test('an async factory is awaited', async () => {
    const app = await load(`factory.mjs:createAsync("slow")`);
    assert.equal((await serveOnce(app)).body, 'async slow');
  });

  test('a nested factory is called with its owner as this', async () => {
    const app = await load(`factory.mjs:builders.make('!')`);
    assert.equal((await serveOnce(app)).body, 'made by !');
  });

  test('a factory that throws names the factory and its error, first line only', async () => {
    const message = await loadError('factory.mjs:broken()');
    assert.match(message, /factory broken\(\) threw Error: factory exploded \(at .*factory\.mjs:4:\d+\)$/);
  });

  test('a factory that returns nothing is not an app', async () => {
    const message = await loadError('factory.mjs:nothing()');
    assert.match(message, /factory nothing\(\) returned undefined, not an app; expected a \(req, res\) function/);
  });

  test('a non-function cannot be called as a factory', async () => {
    const message = await loadError('factory.mjs:settings()');
    assert.match(message, /"settings" of \.\/factory\.mjs is an object with keys port, not a function/);
  });
});

describe('load failures', () => {
  test('a missing path names the module and the directory searched', async () => {
    const message = await loadError('./nope.mjs:app');
    assert.equal(message, `cannot load app "./nope.mjs:app": no such module ./nope.mjs (from ${dir})`);
  });

  test('a missing path-like module reads the same way', async () => {
    const message = await loadError('x.mjs:app');
    assert.equal(message, `cannot load app "x.mjs:app": no such module ./x.mjs (from ${dir})`);
  });

  test('a missing bare name says where files and packages were looked for', async () => {
    const message = await loadError('nope');
    assert.match(
      message,
      /no such module nope \(no nope\.js, nope\.mjs, nope\.cjs in .*, and no package nope installed there\)$/,
    );
  });

  test('a missing export lists what the module does export', async () => {
    const message = await loadError('esm-named.mjs:nope');
    assert.match(message, /\.\/esm-named\.mjs has no export "nope" \(it exports handler, other\)$/);
  });

  test('a missing nested property names the full path', async () => {
    const message = await loadError('nested.mjs:routers.web');
    assert.match(message, /has no export "routers\.web"$/);
  });

  test('no default, app or application export', async () => {
    const message = await loadError('empty.mjs');
    assert.match(message, /has no default export, nor one named "app" or "application" \(it exports x\)$/);
  });

  test('a non-callable export is not an app', async () => {
    const message = await loadError('not-callable.mjs:config');
    assert.match(message, /"config" of \.\/not-callable\.mjs is not an app: got an object with keys port; expected/);
    assert.match(await loadError('not-callable.mjs:answer'), /got a number \(42\)/);
  });

  test('a Promise export is not an app, with a hint', async () => {
    const message = await loadError('promise.mjs');
    assert.match(message, /default export of \.\/promise\.mjs is not an app: got a Promise \(await it/);
  });

  test('an exception at import gives its first line and where it was thrown', async () => {
    const message = await loadError('throws.mjs');
    assert.match(message, /importing \.\/throws\.mjs failed: Error: boom at import \(at .*throws\.mjs:2:7\)$/);
    assert.doesNotMatch(message, /second line/);
  });

  test('a non-Error thrown at import is shown as text', async () => {
    assert.match(await loadError('throws-string.cjs'), /importing \.\/throws-string\.cjs failed: a bare string$/);
  });

  test('an ESM syntax error names the file and line', async () => {
    const message = await loadError('syntax.mjs');
    assert.match(
      message,
      /importing \.\/syntax\.mjs failed: SyntaxError: Unexpected token ';' \(at .*syntax\.mjs:2\)$/,
    );
  });

  test('a CommonJS syntax error names the file and line', async () => {
    const message = await loadError('syntax.cjs');
    assert.match(
      message,
      /importing \.\/syntax\.cjs failed: SyntaxError: Unexpected token '\)' \(at .*syntax\.cjs:3\)$/,
    );
  });

  test('a syntax error in an imported module says so', async () => {
    const message = await loadError('imports-syntax.mjs');
    assert.match(
      message,
      /failed: SyntaxError: Unexpected token ';' \(in a module that \.\/imports-syntax\.mjs imports\)$/,
    );
  });

  test('a TypeScript file gets a hint, since Node 20 cannot import it', async () => {
    assert.match(
      await loadError('typed.ts'),
      /Unknown file extension "\.ts" .*\(compile it to JavaScript, or preload a TypeScript loader/,
    );
  });

  test('a Fastify app whose plugins fail to load names the app and the error', async () => {
    const message = await loadError('fastify-broken.mjs');
    assert.match(
      message,
      /the Fastify app "default" of \.\/fastify-broken\.mjs failed to start: Error: plugin failed$/,
    );
  });

  test('a missing scoped package is named as a package', async () => {
    assert.match(await loadError('@nope/app'), /no package @nope\/app installed \(from .*\)$/);
  });

  test("a dependency the module cannot find is the module's error", async () => {
    const message = await loadError('imports-missing.mjs');
    assert.match(
      message,
      /importing \.\/imports-missing\.mjs failed: Error: Cannot find package 'no-such-package-xyz'/,
    );
  });

  test('a malformed spec fails with the parser reason', async () => {
    assert.match(await loadError('esm-named.mjs:'), /the export name after ":" is empty$/);
    assert.match(await loadError('factory.mjs:create(x)'), /bad factory arguments: unexpected "x"/);
  });
});

describe('kinds', () => {
  const example = (name: string, kind: AppKind = 'auto') => loadApp(`examples/${name}`, { cwd: repo, kind });

  test('plain: examples/hello.mjs', async () => {
    const app = await example('hello.mjs');
    assert.equal(app.kind, 'node');
    const reply = await serveOnce(app);
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'Hello, World!\n');
    assert.equal(reply.headers['content-type'], 'text/plain');
    assert.equal(reply.headers['content-length'], '14');
  });

  test('plain: examples/pid.mjs answers with the serving process pid', async () => {
    const app = await example('pid.mjs');
    assert.equal(app.kind, 'node');
    assert.equal((await serveOnce(app)).body, String(process.pid));
  });

  test('express: examples/express.mjs, found through its `app` export', async () => {
    const app = await example('express.mjs');
    assert.equal(app.kind, 'node');
    const json = await serveOnce(app, '/json');
    assert.equal(json.status, 200);
    assert.match(String(json.headers['content-type']), /^application\/json/);
    assert.deepStrictEqual(JSON.parse(json.body), { hello: 'world', framework: 'express' });
    assert.equal((await serveOnce(app, '/pid')).body, String(process.pid));
  });

  test('koa: examples/koa.mjs is served through callback()', async () => {
    const app = await example('koa.mjs');
    assert.equal(app.kind, 'koa');
    const reply = await serveOnce(app);
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'Hello from Koa!\n');
    assert.equal((await serveOnce(app, '/pid')).body, String(process.pid));
  });

  test('fastify: examples/fastify.mjs is served through routing after ready()', async () => {
    const app = await example('fastify.mjs');
    assert.equal(app.kind, 'fastify');
    const json = await serveOnce(app, '/json');
    assert.equal(json.status, 200);
    assert.deepStrictEqual(JSON.parse(json.body), { hello: 'world', framework: 'fastify' });
    const missing = await serveOnce(app, '/nowhere');
    assert.equal(missing.status, 404, "Fastify's own router answers unknown routes");
    assert.match(missing.body, /Route GET:\/nowhere not found/);
  });

  test('hono: examples/hono.mjs is a Fetch handler', async () => {
    const app = await example('hono.mjs');
    assert.equal(app.kind, 'fetch');
    const reply = await serveOnce(app);
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'Hello from Hono!\n');
    assert.equal((await serveOnce(app, '/pid')).body, String(process.pid));
    assert.equal((await serveOnce(app, '/nowhere')).status, 404);
  });

  test('fetch object: examples/fetch.mjs reads the request URL', async () => {
    const app = await example('fetch.mjs');
    assert.equal(app.kind, 'fetch');
    const reply = await serveOnce(app, '/hi?name=Ada');
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'Hello, Ada! You asked for /hi\n');
  });

  test('a fetch method keeps its object as this', async () => {
    const app = await load('fetch-object.mjs');
    assert.equal((await serveOnce(app)).body, 'hi');
  });

  test("kind 'fetch' serves a plain function as a Fetch handler", async () => {
    const app = await load('fetch-function.mjs', 'fetch');
    assert.equal(app.kind, 'fetch');
    const reply = await serveOnce(app, '/path');
    assert.equal(reply.status, 200);
    assert.equal(reply.body, 'fetch fn /path');
  });

  test("the same function is a node listener under kind 'auto'", async () => {
    assert.equal((await load('fetch-function.mjs')).kind, 'node');
  });

  test("kind 'node' refuses a Fetch handler object", async () => {
    assert.match(
      await loadError('fetch-object.mjs', 'node'),
      /got an object with keys greeting, fetch; expected a \(req, res\) function, a Koa app or a Fastify instance$/,
    );
  });

  test("kind 'fetch' refuses an object without fetch", async () => {
    assert.match(
      await loadError('not-callable.mjs:config', 'fetch'),
      /expected a fetch\(request\) function or an object with a fetch method$/,
    );
  });
});

describe('fetch handler errors', () => {
  for (const route of ['/sync', '/async']) {
    test(`a handler that fails (${route.slice(1)}) answers 500 and reports the error`, async () => {
      const errors: unknown[] = [];
      const app = await load('fetch-throws.mjs', 'auto', (e) => errors.push(e));
      const reply = await serveOnce(app, route);
      assert.equal(reply.status, 500);
      assert.equal(reply.body, 'Internal Server Error');
      assert.equal(errors.length, 1);
      assert.match(String(errors[0]), new RegExp(`${route.slice(1)} failure`));
      assert.equal((await serveOnce(app, '/ok')).body, 'fine', 'the next request is served normally');
    });
  }

  test('a request the adapter cannot turn into a Request is a 400, not a reported error', async () => {
    const errors: unknown[] = [];
    const app = await load('fetch-throws.mjs', 'auto', (e) => errors.push(e));
    const reply = await serveOnce(app, '/', { host: 'bad host' });
    assert.equal(reply.status, 400);
    assert.deepStrictEqual(errors, []);
  });
});
