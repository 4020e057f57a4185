/**
 * The `--worker-class` loader against real module files in a temp dir: each export shape a user
 * may write (an object, a class with static members, CommonJS, a named export, a package), what
 * the arbiter works out from it, and every way it can be wrong, each one line naming
 * `--worker-class`, the module and what to fix (exit 1).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { hookLog } from '../../src/effects/hook-runner';
import { initWorkerClass, loadWorkerClass, resolveWorkerClass } from '../../src/effects/worker-class';
import type { Logger } from '../../src/effects/logger';
import type { LogLevel } from '../../src/streams/commands';
import { isRunicornError } from '../../src/streams/errors';
import { ExitCode } from '../../src/streams/exit-codes';

let dir = '';

const FILES: Readonly<Record<string, string>> = {
  'object.mjs': `export default { base: 'gthread' };`,
  'class.mjs': [
    `export default class Counting {`,
    `  static base = 'async';`,
    `  static concurrency(config) { return config.threads * 2; }`,
    `  static keepAliveMs = 250;`,
    `  static checkConfig(config, log) { log.info('checked ' + config.threads); if (config.threads < 2) throw new Error('needs --threads 2 or more\\nsecond line'); }`,
    `}`,
  ].join('\n'),
  'named.mjs': `export const Quiet = { base: 'sync' };\nexport const other = 1;`,
  'common.cjs': `module.exports = { base: 'gthread', concurrency: 5 };`,
  'common-named.cjs': `exports.Worker = { base: 'async' };`,
  'setup.mjs': `export default { base: 'async', setup() { globalThis.__setupCalls = (globalThis.__setupCalls ?? 0) + 1; } };`,
  'setup-throws.mjs': `export default { base: 'async', setup() { throw new Error('no GPU'); } };`,
  'init.mjs': `export default { base: 'async', init(ctx) { for (const s of ctx.servers) s.headersTimeout = 1234; ctx.log.info('init in ' + ctx.age); } };`,
  'init-throws.mjs': `export default { base: 'async', init() { throw new Error('no /dev/shm'); } };`,
  'no-base.mjs': `export default { concurrency: 4 };`,
  'bad-base.mjs': `export default { base: 'gevent' };`,
  'sync-concurrency.mjs': `export default { base: 'sync', concurrency: 4 };`,
  'bad-concurrency.mjs': `export default { base: 'gthread', concurrency(config) { return config.threads - 1; } };`,
  'concurrency-throws.mjs': `export default { base: 'gthread', concurrency() { throw new Error('oops'); } };`,
  'string-init.mjs': `export default { base: 'gthread', init: 'yes' };`,
  'string-concurrency.mjs': `export default { base: 'gthread', concurrency: '4' };`,
  'number.mjs': `export default 42;`,
  'syntax.mjs': `export default {`,
  'node_modules/acme-worker/package.json': `{ "name": "acme-worker", "main": "index.js" }`,
  'node_modules/acme-worker/index.js': `module.exports = { base: 'gthread', keepAliveMs: 0 };`,
};

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runicorn-worker-class-'));
  for (const [name, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const SETTINGS = { threads: 3, workerConnections: 1000, keepalive: 2 };

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (level: LogLevel, message: string) => lines.push(`${level}: ${message}`) };
}

const resolveIn = (spec: string, extra: Record<string, unknown> = {}) =>
  resolveWorkerClass({ ...SETTINGS, workerClass: spec, ...extra }, recorder(), dir);

test('a built-in class is no module: nothing is loaded', async () => {
  for (const name of ['sync', 'gthread', 'async']) assert.equal(await resolveIn(name), undefined);
});

const shapes: ReadonlyArray<readonly [string, Awaited<ReturnType<typeof resolveWorkerClass>>]> = [
  ['./object.mjs', { spec: './object.mjs', base: 'gthread' }],
  ['object.mjs', { spec: 'object.mjs', base: 'gthread' }],
  ['./class.mjs', { spec: './class.mjs', base: 'async', concurrency: 6, keepAliveMs: 250 }],
  ['./named.mjs:Quiet', { spec: './named.mjs:Quiet', base: 'sync' }],
  ['./common.cjs', { spec: './common.cjs', base: 'gthread', concurrency: 5 }],
  ['./common-named.cjs:Worker', { spec: './common-named.cjs:Worker', base: 'async' }],
  ['acme-worker', { spec: 'acme-worker', base: 'gthread', keepAliveMs: 0 }],
];
for (const [spec, expected] of shapes) {
  test(`-k ${spec} resolves to what it declares`, async () => assert.deepEqual(await resolveIn(spec), expected));
}

test('an absolute path works too', async () => {
  const spec = path.join(dir, 'object.mjs');
  assert.deepEqual(await resolveIn(spec), { spec, base: 'gthread' });
});

test("checkConfig gets the settings and the arbiter's log", async () => {
  const logger = recorder();
  await resolveWorkerClass({ ...SETTINGS, workerClass: './class.mjs' }, logger, dir);
  assert.deepEqual(logger.lines, ['info: checked 3']);
});

test('setup() runs each time the module is loaded (in the arbiter, then in each worker)', async () => {
  const calls = () => (globalThis as { __setupCalls?: number }).__setupCalls ?? 0;
  const before = calls();
  await loadWorkerClass('./setup.mjs', dir);
  await loadWorkerClass('./setup.mjs', dir);
  assert.equal(calls() - before, 2);
});

test('init() gets the servers before they listen, the log and the worker number', async () => {
  const servers = [http.createServer(), http.createServer()];
  const logger = recorder();
  await initWorkerClass('./init.mjs', { servers, config: {}, log: hookLog(logger), pid: process.pid, age: 7 }, dir);
  assert.deepEqual(
    servers.map((s) => [s.headersTimeout, s.listening]),
    [
      [1234, false],
      [1234, false],
    ],
  );
  assert.deepEqual(logger.lines, ['info: init in 7']);
});

const failures: ReadonlyArray<readonly [string, Record<string, unknown>, RegExp]> = [
  ['./missing.mjs', {}, /^--worker-class \.\/missing\.mjs cannot be used: no such file \.\/missing\.mjs \(from /],
  ['missing.mjs', {}, /no such file missing\.mjs/],
  ['no-such-package', {}, /no file no-such-package in .*, and no package no-such-package installed there$/],
  [
    './syntax.mjs',
    {},
    /^--worker-class \.\/syntax\.mjs cannot be used: importing it failed: SyntaxError: Unexpected end of input$/,
  ],
  ['./named.mjs:Nope', {}, /it has no export "Nope" \(it exports Quiet, other\)$/],
  ['./named.mjs', {}, /it has no export "default" \(it exports Quiet, other\)$/],
  ['./named.mjs:other', {}, /its export "other" is number, not a worker class$/],
  ['./number.mjs', {}, /its export "default" is number, not a worker class$/],
  ['./no-base.mjs', {}, /it has no base \(sync, gthread, async\)/],
  ['./bad-base.mjs', {}, /its base must be one of sync, gthread, async, got "gevent"$/],
  ['./string-init.mjs', {}, /its init must be a function, got string$/],
  ['./string-concurrency.mjs', {}, /its concurrency must be a number or a function of the settings, got string$/],
  ['./sync-concurrency.mjs', {}, /a sync base runs one request at a time/],
  ['./bad-concurrency.mjs', { threads: 1 }, /its concurrency must be a positive integer, got 0$/],
  ['./concurrency-throws.mjs', {}, /its concurrency\(\) failed: oops$/],
  ['./setup-throws.mjs', {}, /its setup\(\) failed: no GPU$/],
  [
    './class.mjs',
    { threads: 1 },
    /^--worker-class \.\/class\.mjs cannot be used: its checkConfig refused: needs --threads 2 or more/,
  ],
];
for (const [spec, extra, message] of failures) {
  test(`-k ${spec}${Object.keys(extra).length ? ` ${JSON.stringify(extra)}` : ''}: one line, exit 1`, async () => {
    await assert.rejects(resolveIn(spec, extra), (err: unknown) => {
      assert.ok(isRunicornError(err, 'RUNICORN_WORKER_CLASS'), String(err));
      assert.equal(err.exitCode, ExitCode.Config);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
      return true;
    });
  });
}

test('init() that throws: one line naming the class', async () => {
  await assert.rejects(
    initWorkerClass('./init-throws.mjs', { servers: [], config: {}, log: hookLog(recorder()), pid: 1, age: 1 }, dir),
    /^RunicornError: --worker-class \.\/init-throws\.mjs cannot be used: its init\(\) failed: no \/dev\/shm$/,
  );
});
