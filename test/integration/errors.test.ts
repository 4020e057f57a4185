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
  [[], /^runicorn: --workers \(from WEB_CONCURRENCY\) must be a positive integer, got "many"$/, { WEB_CONCURRENCY: 'many' }],
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
  for (const flag of ['-b, --bind <ADDRESS>', '-w, --workers <INT>', '-c, --config', '--limit-request-field_size', '--print-config']) {
    assert.ok(help.stdout.includes(flag), `--help mentions ${flag}`);
  }
});
