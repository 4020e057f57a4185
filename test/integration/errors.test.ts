// Bad input never hurts: one clear line and the right exit code.
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, fixture, ROOT, runicorn } from '../support/cli';

test('an app module that does not exist: exit 4 with a one-line reason', async (t) => {
  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', 'no-such-app.mjs:app']);
  const exit = await r.exited;
  assert.equal(exit.code, 4);
  const reason = r.lines.filter((l) => /Reason: /.test(l));
  assert.equal(reason.length, 1, r.lines.join('\n'));
  assert.match(reason[0] as string, /no-such-app\.mjs/);
  assert.ok(!r.lines.some((l) => /^\s+at /.test(l)), 'no stack trace');
});

test('an export that is missing or not callable: exit 4', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'app.mjs'), 'export const app = 42;\n');
  for (const spec of ['app.mjs:nope', 'app.mjs:app']) {
    const r = runicorn(t, ['-b', '127.0.0.1:0', spec], { cwd: dir });
    const exit = await r.exited;
    assert.equal(exit.code, 4, r.lines.join('\n'));
    assert.match(r.lines.find((l) => /Reason: /.test(l)) ?? '', new RegExp(spec.replace('.', '\\.')));
  }
});

test('a port already in use: one line naming the address, exit 1', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((res) => blocker.listen(0, '127.0.0.1', () => res()));
  t.after(() => blocker.close());
  const { port } = blocker.address() as net.AddressInfo;
  const r = runicorn(t, ['-b', `127.0.0.1:${port}`, fixture('app.mjs')]);
  const exit = await r.exited;
  assert.equal(exit.code, 1);
  const errors = r.lines.filter((l) => /ERROR/.test(l));
  assert.equal(errors.length, 1, r.lines.join('\n'));
  assert.match(errors[0] as string, new RegExp(`127\\.0\\.0\\.1:${port}.*in use \\(EADDRINUSE\\)`));
  assert.equal(r.workerPids().length, 0, 'no worker was started');
});

test('a bad address: exit 1 with one line', async (t) => {
  const r = runicorn(t, ['-b', '256.1.1.1:80:90', fixture('app.mjs')]);
  assert.equal((await r.exited).code, 1);
  assert.equal(r.lines.filter((l) => l !== '').length, 1, r.lines.join('\n'));
  assert.match(r.lines[0] as string, /^runicorn: --bind must be an address/);
});

const badValues: ReadonlyArray<readonly [readonly string[], RegExp, NodeJS.ProcessEnv?]> = [
  [['-w', 'abc'], /^runicorn: --workers must be a positive integer, got "abc"$/],
  [['-w', '0'], /^runicorn: --workers must be a positive integer, got "0"$/],
  [['-t', '-1'], /^runicorn: --timeout must be a number of seconds \(0 or more\), got "-1"$/],
  [['--keep-alive', 'x'], /^runicorn: --keep-alive must be a whole number of 0 or more, got "x"$/],
  [['--app-kind', 'wsgi'], /^runicorn: --app-kind must be one of auto, node, fetch, got "wsgi"$/],
  [['--no-such-flag'], /^runicorn: unknown option '--no-such-flag'( \(Did you mean --[\w-]+\?\))?$/],
  [['--wrokers', '2'], /^runicorn: unknown option '--wrokers' \(Did you mean --workers\?\)$/],
  [
    [],
    /^runicorn: --workers \(from WEB_CONCURRENCY\) must be a positive integer, got "many"$/,
    { WEB_CONCURRENCY: 'many' },
  ],
];
for (const [args, expected, env] of badValues) {
  test(`bad input ${JSON.stringify(args)}${env ? ` with ${JSON.stringify(env)}` : ''}: one line, exit 1`, async (t) => {
    const r = runicorn(t, [...args, fixture('app.mjs')], { env: env ?? {} });
    assert.equal((await r.exited).code, 1);
    const said = r.lines.filter((l) => l !== '');
    assert.equal(said.length, 1, said.join('\n'));
    assert.match(said[0] as string, expected);
  });
}

test('no app given: one line, exit 1', async (t) => {
  const r = runicorn(t, ['-w', '1']);
  assert.equal((await r.exited).code, 1);
  assert.match(r.lines[0] as string, /^runicorn: no application given/);
});

test('-v prints the version and --help lists the flags, both exit 0', () => {
  const { version } = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { version: string };
  const v = spawnSync(process.execPath, [CLI, '-v'], { encoding: 'utf8' });
  assert.equal(v.status, 0);
  assert.equal(v.stdout, `${version}\n`);
  const help = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  for (const flag of [
    '-b, --bind <ADDRESS>',
    '-w, --workers <INT>',
    '-c, --config',
    '--limit-request-field_size',
    '--print-config',
  ]) {
    assert.ok(help.stdout.includes(flag), `--help mentions ${flag}`);
  }
});

/** A Gunicorn-style log line: `[time] [pid] [LEVEL] message`. */
const LOG_LINE = /^\[[^\]]+\] \[\d+\] \[[A-Z]+\] /;

interface Failure {
  readonly name: string;
  /** Files to write in a fresh directory, which is the working directory. */
  readonly files?: Readonly<Record<string, string>>;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly exit: number;
  /**
   * `cli`: stderr is exactly one line, this one, starting with `runicorn:`. `log`: stderr is
   * nothing but log lines (so no stack), and exactly one of them matches.
   */
  readonly style: 'cli' | 'log';
  readonly line: RegExp;
}

const app = fixture('app.mjs');
const failures: readonly Failure[] = [
  {
    name: 'a TLS key file that is not there (never a silent downgrade to plain HTTP)',
    args: ['--certfile', 'cert.pem', '--keyfile', 'key.pem', app],
    exit: 1,
    style: 'log',
    line: /cannot serve HTTPS: --keyfile 'key\.pem': no such file \(ENOENT\)$/,
  },
  {
    name: 'an optional-value flag right before the app',
    args: ['--proxy-protocol', app],
    exit: 1,
    style: 'cli',
    line: /^runicorn: --proxy-protocol must be one of off, v1, v2, auto, got ".*" \(alone, --proxy-protocol means auto; before the app write --proxy-protocol=auto\)$/,
  },
  {
    name: 'a negative request limit',
    args: ['--limit-request-line', '-1', app],
    exit: 1,
    style: 'cli',
    line: /^runicorn: --limit-request-line must be a whole number of 0 or more, got "-1"$/,
  },
  {
    name: 'a proxy allow-list from the environment that is not one',
    args: [app],
    env: { FORWARDED_ALLOW_IPS: '10.0.0.1,not-an-ip' },
    exit: 1,
    style: 'cli',
    line: /^runicorn: --forwarded-allow-ips \(from FORWARDED_ALLOW_IPS\) must be /,
  },
  {
    name: 'an sslContext hook in the config file without --keyfile and --certfile',
    files: { 'runicorn.conf.mjs': 'export default { sslContext: (config, make) => make() };\n' },
    args: [app],
    exit: 1,
    style: 'log',
    line: /sslContext needs --keyfile and --certfile: HTTPS takes both a key and a certificate \(or neither, for plain HTTP\)$/,
  },
  {
    name: 'a user that does not exist',
    args: ['-u', 'no-such-user-here', app],
    exit: 1,
    style: 'log',
    line: /--user must be a user on this machine, got "no-such-user-here"$/,
  },
  {
    name: 'a bad flag',
    args: ['--wrokers', '2', app],
    exit: 1,
    style: 'cli',
    line: /^runicorn: unknown option '--wrokers' \(Did you mean --workers\?\)$/,
  },
  {
    name: 'a bad value in the config file',
    files: { 'c.mjs': "export default { workers: 'many' };\n" },
    args: ['-c', 'c.mjs', app],
    exit: 1,
    style: 'cli',
    line: /^runicorn: workers \(from c\.mjs\) must be a positive integer, got "many"$/,
  },
  {
    name: 'RUNICORN_CMD_ARGS that does not split',
    args: [app],
    env: { RUNICORN_CMD_ARGS: '-w "2' },
    exit: 1,
    style: 'cli',
    line: /^runicorn: RUNICORN_CMD_ARGS cannot be split like a shell command line: /,
  },
  {
    name: 'a --chdir that does not exist',
    args: ['--chdir', '/no/such/dir', app],
    exit: 1,
    style: 'cli',
    line: /^runicorn: --chdir must be an existing directory, got "\/no\/such\/dir"$/,
  },
  {
    name: 'a missing config file',
    args: ['-c', 'missing.mjs', app],
    exit: 1,
    style: 'cli',
    line: /^runicorn: config file \S+missing\.mjs does not exist \(from --config\)$/,
  },
  {
    name: 'a config file that throws at import',
    files: { 'c.mjs': "throw new Error('no config today\\n  with a second line');\n" },
    args: ['-c', 'c.mjs', app],
    exit: 1,
    style: 'cli',
    line: /^runicorn: cannot load config file \S+c\.mjs: no config today/,
  },
  {
    name: 'a config file whose function throws',
    files: { 'c.mjs': "export default () => { throw new Error('kaput'); };\n" },
    args: ['-c', 'c.mjs', app],
    exit: 1,
    style: 'cli',
    line: /^runicorn: config file c\.mjs: its exported function failed: kaput$/,
  },
  {
    name: 'a config file that exports no object',
    files: { 'c.mjs': 'export default 42;\n' },
    args: ['-c', 'c.mjs', app],
    exit: 1,
    style: 'cli',
    line: /^runicorn: config file c\.mjs must export an object \(or a function returning one\)$/,
  },
  {
    name: 'a missing app',
    args: ['-w', '1'],
    exit: 1,
    style: 'cli',
    line: /^runicorn: no application given \(usage: runicorn \[OPTIONS\] APP, e\.g\. runicorn app\.mjs:app\)$/,
  },
  {
    name: 'a missing app under --check-config',
    args: ['--check-config'],
    exit: 1,
    style: 'cli',
    line: /^runicorn: no application given \(usage: runicorn \[OPTIONS\] APP, or `app` in the config file\)$/,
  },
  {
    name: 'an app that fails to load',
    files: { 'app.mjs': "throw new Error('no DATABASE_URL');\n" },
    args: ['-b', '127.0.0.1:0', 'app.mjs'],
    exit: 4,
    style: 'log',
    line: /\[ERROR\] Reason: cannot load app "app\.mjs": importing \.\/app\.mjs failed: Error: no DATABASE_URL/,
  },
  {
    name: 'an app that fails to load, with --preload',
    files: { 'app.mjs': "throw new Error('no DATABASE_URL');\n" },
    args: ['--preload', '-b', '127.0.0.1:0', 'app.mjs'],
    exit: 4,
    style: 'cli',
    line: /^runicorn: cannot load app "app\.mjs": importing \.\/app\.mjs failed: Error: no DATABASE_URL/,
  },
  {
    name: 'an app that fails to load, with --check-config',
    files: { 'app.mjs': "throw new Error('no DATABASE_URL');\n" },
    args: ['--check-config', 'app.mjs'],
    exit: 1,
    style: 'cli',
    line: /^runicorn: cannot load app "app\.mjs": importing \.\/app\.mjs failed: Error: no DATABASE_URL/,
  },
  {
    name: 'a stages function that throws',
    files: { 'c.mjs': "export default { stages: () => { throw new Error('no cache'); } };\n" },
    args: ['-c', 'c.mjs', '-b', '127.0.0.1:0', app],
    exit: 4,
    style: 'log',
    line: /\[ERROR\] Reason: the stages function failed: no cache$/,
  },
  {
    name: 'a pid file held by a live process',
    // This test's own process is the live owner.
    files: { 'held.pid': `${process.pid}\n` },
    args: ['-p', 'held.pid', '-b', '127.0.0.1:0', app],
    exit: 1,
    style: 'log',
    line: new RegExp(`\\[ERROR\\] Already running on PID ${process.pid} \\(or pid file 'held\\.pid' is stale\\)$`),
  },
];

for (const f of failures) {
  test(`${f.name}: one line, no stack, exit ${f.exit}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'runicorn-errors-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    for (const [name, text] of Object.entries(f.files ?? {})) writeFileSync(join(dir, name), text);
    const r = runicorn(t, f.args, { cwd: dir, env: f.env ?? {} });
    // 'close' comes after stderr has been read to its end.
    const closed = new Promise((res) => r.proc.once('close', res));
    const exit = await r.exited;
    await closed;
    const said = r.lines.filter((l) => l !== '');
    assert.equal(exit.code, f.exit, said.join('\n'));
    if (f.style === 'cli') {
      assert.equal(said.length, 1, said.join('\n'));
      assert.match(said[0] as string, f.line);
    } else {
      assert.deepEqual(
        said.filter((l) => !LOG_LINE.test(l)),
        [],
        'nothing but log lines',
      );
      assert.equal(said.filter((l) => f.line.test(l)).length, 1, said.join('\n'));
    }
  });
}

test('the worker entry point started by hand: one line, no stack, exit 3', () => {
  const env = { ...process.env };
  delete env.RUNICORN_WORKER;
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'worker.js')], {
    encoding: 'utf8',
    env,
    timeout: 30_000,
  });
  assert.equal(r.status, 3, r.stderr);
  assert.equal(r.stderr, 'runicorn: RUNICORN_WORKER is not set: this entry point is started by the runicorn arbiter\n');
});
