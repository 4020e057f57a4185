// Configuration through the real CLI: a config file, RUNICORN_CMD_ARGS and flags together, seen
// through --print-config and through behaviour; and the process settings.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fixture, get, runicorn, until } from '../support/cli';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-cfg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const printed = (lines: readonly string[], stdout: string, name: string) =>
  stdout.split('\n').find((l) => l.startsWith(`${name} = `)) ?? `(no ${name} in ${lines.join('|')})`;

async function printConfig(
  t: TestContext,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
) {
  const r = runicorn(t, ['--print-config', ...args], options);
  let stdout = '';
  r.proc.stdout?.setEncoding('utf8');
  r.proc.stdout?.on('data', (c: string) => (stdout += c));
  const exit = await r.exited;
  return { exit, stdout, lines: r.lines };
}

test('./runicorn.conf.mjs, RUNICORN_CMD_ARGS and flags: --print-config shows each winner, sorted', async (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'runicorn.conf.mjs'),
    [
      'export default {',
      '  workers: 3, timeout: 11, keepalive: 4, backlog: 100,',
      `  app: ${JSON.stringify(fixture('app.mjs'))},`,
      '  whenReady: function announce() {},',
      '};',
    ].join('\n'),
  );
  const { exit, stdout, lines } = await printConfig(t, ['--timeout', '13'], {
    cwd: dir,
    env: { RUNICORN_CMD_ARGS: '--keep-alive 5 --timeout 12' },
  });
  assert.equal(exit.code, 0, lines.join('\n'));
  assert.equal(printed(lines, stdout, 'workers'), 'workers = 3');
  assert.equal(printed(lines, stdout, 'keepalive'), 'keepalive = 5');
  assert.equal(printed(lines, stdout, 'timeout'), 'timeout = 13');
  assert.equal(printed(lines, stdout, 'backlog'), 'backlog = 100');
  assert.equal(printed(lines, stdout, 'whenReady'), 'whenReady = <announce()>');
  const names = stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' = ')[0] as string);
  assert.deepEqual(
    names,
    [...names].sort((a, b) => a.localeCompare(b)),
  );
  assert.ok(names.length > 100, 'every setting is printed');
});

test('--check-config loads the app: exit 0 when it loads, 1 with the reason when not', async (t) => {
  const good = runicorn(t, ['--check-config', fixture('app.mjs')]);
  assert.equal((await good.exited).code, 0);
  const bad = runicorn(t, ['--check-config', 'missing-app.mjs']);
  assert.equal((await bad.exited).code, 1);
  assert.match(bad.lines.join('\n'), /^runicorn: cannot load app "missing-app\.mjs"/);
});

test('the worker count from a config file is what runs', async (t) => {
  const dir = tempDir(t);
  const conf = join(dir, 'three.cjs');
  writeFileSync(conf, 'module.exports = { workers: 3 };\n');
  const r = runicorn(t, ['-c', conf, '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await r.waitFor(/Booting worker/, { nth: 3 });
  await until(port, '/', (rep) => rep.status === 200);
  assert.equal(r.workerPids().length, 3);
});

test('--chdir applies before the app and the config file are looked up', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'here.mjs'), 'export default (req, res) => res.end("from chdir");\n');
  writeFileSync(join(dir, 'runicorn.conf.js'), 'module.exports = { workers: 1 };\n');
  const r = runicorn(t, ['--chdir', dir, '-b', '127.0.0.1:0', 'here.mjs']);
  const port = await r.port();
  assert.equal((await until(port, '/', (rep) => rep.status === 200)).body, 'from chdir');
});

test('-e KEY=VALUE reaches the workers; --node-arg reaches their node', async (t) => {
  const r = runicorn(t, [
    '-e',
    'GREETING=hello world',
    '--node-arg=--max-old-space-size=123',
    '-b',
    '127.0.0.1:0',
    fixture('app.mjs'),
  ]);
  const port = await r.port();
  assert.equal((await until(port, '/env?name=GREETING', (rep) => rep.status === 200)).body, 'hello world');
  assert.ok((JSON.parse((await get(port, '/execargv')).body) as string[]).includes('--max-old-space-size=123'));
});

test('-n names the processes: runicorn: master [name] / runicorn: worker [name]', async (t) => {
  const r = runicorn(t, ['-n', 'shop', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  const pid = Number((await until(port, '/', (rep) => rep.status === 200)).body);
  const title = (p: number) => readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  assert.match(title(r.pid), /^runicorn: master \[shop\]/);
  assert.match(title(pid), /^runicorn: worker \[shop\]/);
});

test('--preload: a broken app stops the arbiter before any worker starts, exit 4, one line', async (t) => {
  const r = runicorn(t, ['--preload', '-b', '127.0.0.1:0', 'missing-app.mjs']);
  assert.equal((await r.exited).code, 4);
  assert.equal(r.lines.filter((l) => l !== '').length, 1, r.lines.join('\n'));
  assert.match(r.lines[0] as string, /^runicorn: cannot load app "missing-app\.mjs"/);
});

test('-p writes the pid file while running and removes it at exit', async (t) => {
  const dir = tempDir(t);
  const pidfile = join(dir, 'runicorn.pid');
  const r = runicorn(t, ['-p', pidfile, '-b', '127.0.0.1:0', fixture('app.mjs')]);
  await r.port();
  assert.equal(readFileSync(pidfile, 'utf8'), `${r.pid}\n`);
  r.kill('SIGTERM');
  assert.equal((await r.exited).code, 0);
  assert.equal(existsSync(pidfile), false);
});

test('--max-requests: a worker is replaced after serving that many requests', async (t) => {
  const r = runicorn(t, ['-w', '1', '--max-requests', '3', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  const first = (await until(port, '/', (rep) => rep.status === 200)).body;
  await get(port, '/');
  await get(port, '/');
  await r.waitFor(/Autorestarting worker after current request\./);
  // It serves on until its replacement has booted, then drains and leaves.
  await r.waitFor(new RegExp(`Worker exiting \\(pid: ${first}\\)`));
  const next = await until(port, '/', (rep) => rep.status === 200);
  assert.notEqual(next.body, first);
});

test('-k sync answers one request at a time and closes each connection', async (t) => {
  const r = runicorn(t, ['-k', 'sync', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await r.waitFor(/Using worker: sync/);
  const reply = await until(port, '/', (rep) => rep.status === 200);
  assert.equal(reply.headers.connection, 'close');
});

test('settings not supported yet are accepted, validated and named in a warning', async (t) => {
  const r = runicorn(t, ['--reload', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  await r.port();
  assert.ok(
    r.lines.some((l) => /^runicorn: warning: --reload \(from command line\) is not supported yet/.test(l)),
    r.lines.join('\n'),
  );
});
