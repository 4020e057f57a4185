// Sources and precedence, with real config files and a real environment: defaults (some read
// env) → config file → RUNICORN_CMD_ARGS → the command line. Every pair of sources, both ways.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as E from 'fp-ts/Either';
import { loadConfig, type LoadedConfig } from '../../src/cli/load-config';
import { isRunicornError } from '../../src/streams/errors';

const dir = mkdtempSync(join(tmpdir(), 'runicorn-conf-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

async function load(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<LoadedConfig> {
  const result = await loadConfig(argv, env)();
  if (E.isLeft(result)) throw result.left;
  return result.right;
}
async function fails(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await loadConfig(argv, env)();
  assert.ok(E.isLeft(result), 'expected a configuration error');
  assert.ok(isRunicornError(result.left), String(result.left));
  return result.left.message;
}

const conf = file('workers3.mjs', 'export default { workers: 3, timeout: 7 };\n');

test('defaults when nothing is given', async () => {
  const { config, origins } = await load([]);
  assert.equal(config.workers, 1);
  assert.equal(config.timeout, 30);
  assert.equal(origins.workers, 'default');
});

test('a default that reads the environment: WEB_CONCURRENCY, PORT', async () => {
  const { config, origins } = await load([], { WEB_CONCURRENCY: '5', PORT: '9123' });
  assert.equal(config.workers, 5);
  assert.equal(origins.workers, 'WEB_CONCURRENCY');
  assert.deepEqual(config.bind, [{ kind: 'tcp', host: '0.0.0.0', port: 9123 }]);
});

test('config file over defaults (and over env-read defaults)', async () => {
  const { config, origins } = await load(['-c', conf], { WEB_CONCURRENCY: '5' });
  assert.equal(config.workers, 3);
  assert.equal(config.timeout, 7);
  assert.equal(origins.workers, 'workers3.mjs');
});

test('RUNICORN_CMD_ARGS over the config file, the command line over both', async () => {
  const env = { RUNICORN_CMD_ARGS: `-c ${conf} -w 4` };
  assert.equal((await load([], env)).config.workers, 4);
  assert.equal((await load([], env)).config.timeout, 7, 'the file still applies where env args are silent');
  assert.equal((await load(['-w', '6'], env)).config.workers, 6);
  assert.equal((await load(['-w', '6'], env)).origins.workers, 'command line');
});

test('RUNICORN_CMD_ARGS over defaults; the command line over RUNICORN_CMD_ARGS', async () => {
  assert.equal((await load([], { RUNICORN_CMD_ARGS: '--timeout 9' })).config.timeout, 9);
  assert.equal((await load(['-t', '11'], { RUNICORN_CMD_ARGS: '--timeout 9' })).config.timeout, 11);
});

test('the command line over the config file', async () => {
  const { config } = await load(['-c', conf, '--timeout', '1']);
  assert.equal(config.timeout, 1);
  assert.equal(config.workers, 3);
});

test('-c on the command line wins over -c in RUNICORN_CMD_ARGS', async () => {
  const other = file('workers8.cjs', 'module.exports = { workers: 8 };\n');
  const { config, configFile } = await load(['-c', other], { RUNICORN_CMD_ARGS: `-c ${conf}` });
  assert.equal(config.workers, 8);
  assert.equal(configFile, other);
});

test('RUNICORN_CMD_ARGS is split like a shell: quotes keep spaces', async () => {
  const spaced = file('with space.mjs', 'export default { workers: 2 };\n');
  const { config } = await load([], { RUNICORN_CMD_ARGS: `-c "${spaced}" -e 'GREETING=hello world'` });
  assert.equal(config.workers, 2);
  assert.deepEqual([...config.rawEnv].map(String).join(''), ['GREETING=hello world'].join(''));
});

test('config file forms: file: prefix, CommonJS, named exports, (async) function, snake_case keys', async () => {
  const forms: ReadonlyArray<readonly [string, string]> = [
    ['plain.cjs', 'module.exports = { workers: 2 };'],
    ['named.mjs', 'export const workers = 2;'],
    ['fn.mjs', 'export default () => ({ workers: 2 });'],
    ['async.mjs', 'export default async () => ({ workers: 2 });'],
    ['snake.mjs', 'export default { workers: 2, graceful_timeout: 3, worker_connections: 5 };'],
  ];
  for (const [name, text] of forms) {
    const path = file(name, `${text}\n`);
    assert.equal((await load(['-c', `file:${path}`])).config.workers, 2, name);
  }
  const snake = await load(['-c', join(dir, 'snake.mjs')]);
  assert.equal(snake.config.gracefulTimeout, 3);
  assert.equal(snake.config.workerConnections, 5);
});

test('the config file may name the app; the positional APP wins over it', async () => {
  const withApp = file('app-named.mjs', "export default { app: 'server.mjs:app' };\n");
  assert.equal((await load(['-c', withApp])).app, 'server.mjs:app');
  assert.equal((await load(['-c', withApp, 'other.mjs'])).app, 'other.mjs');
  assert.equal((await load(['-c', withApp], { RUNICORN_CMD_ARGS: 'env.mjs' })).app, 'env.mjs');
});

test('unknown keys in a config file are warnings with a did-you-mean', async () => {
  const typo = file('typo.mjs', 'export default { wrokers: 2, zzzzzzzz: 1 };\n');
  const { warnings, config } = await load(['-c', typo]);
  assert.equal(config.workers, 1);
  assert.ok(
    warnings.includes('unknown setting "wrokers" in typo.mjs; ignored (did you mean "workers"?)'),
    warnings.join('\n'),
  );
  assert.ok(warnings.includes('unknown setting "zzzzzzzz" in typo.mjs; ignored'), warnings.join('\n'));
});

test('a bad value names the setting, the source it came from, the value and what was expected', async () => {
  const bad = file('bad.mjs', "export default { workers: 'abc' };\n");
  assert.equal(await fails(['-w', 'abc']), '--workers must be a positive integer, got "abc"');
  assert.equal(
    await fails([], { RUNICORN_CMD_ARGS: '-w abc' }),
    '--workers (from RUNICORN_CMD_ARGS) must be a positive integer, got "abc"',
  );
  assert.equal(await fails(['-c', bad]), 'workers (from bad.mjs) must be a positive integer, got "abc"');
  assert.equal(
    await fails([], { WEB_CONCURRENCY: 'abc' }),
    '--workers (from WEB_CONCURRENCY) must be a positive integer, got "abc"',
  );
  // The higher source wins before decoding: a good CLI value hides a bad file value.
  assert.equal((await load(['-c', bad, '-w', '2'])).config.workers, 2);
});

test('unknown flags are errors, in either command line', async () => {
  assert.match(await fails(['--wrokers', '2']), /^unknown option '--wrokers'/);
  assert.match(await fails([], { RUNICORN_CMD_ARGS: '--nope' }), /^unknown option '--nope'.*\(in RUNICORN_CMD_ARGS\)$/);
});

test('a config file that is missing, throws, or exports no object: one line each', async () => {
  assert.match(await fails(['-c', join(dir, 'missing.mjs')]), /config file .*missing\.mjs does not exist/);
  const throwing = file('throws.mjs', "throw new Error('kaput');\n");
  assert.match(await fails(['-c', throwing]), /cannot load config file .*throws\.mjs: kaput$/);
  const notObject = file('number.mjs', 'export default 42;\n');
  assert.match(await fails(['-c', notObject]), /number\.mjs must export an object/);
});
