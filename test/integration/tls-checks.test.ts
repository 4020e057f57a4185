/**
 * The arbiter's HTTPS checks through the real CLI: `--check-config` refuses what a start refuses
 * (the same one line, exit 1), and the `sslContext` hook is tried in the arbiter before workers
 * start, so a hook that throws is one line and exit 1 at start, and a refused reload on HUP with
 * the old workers serving on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serverPair } from '../support/certs';
import { runicorn, type Running } from '../support/cli';

const BOUND = { timeout: 60_000 };
let dir = '';
const at = (name: string) => join(dir, name);

/** A hook that builds runicorn's default options and notes which process called it. */
const goodHook = (calls: string) => `import { appendFileSync } from 'node:fs';
export const sslContext = (config, defaultContextFactory) => {
  appendFileSync(${JSON.stringify(calls)}, process.pid + '\\n');
  return defaultContextFactory();
};\n`;
const throwingHook = "export const sslContext = () => { throw new Error('no such secret'); };\n";

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'runicorn-tls-checks-'));
  serverPair(dir, 'one');
  writeFileSync(at('app.mjs'), 'export default (req, res) => res.end(JSON.stringify({ pid: process.pid }));\n');
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** One HTTPS request on its own connection; the pid of the worker that answered. */
function pidOver(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(
        { host: '127.0.0.1', port, path: '/', agent: false, ca: readFileSync(at('one.crt')), servername: 'localhost' },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve((JSON.parse(body) as { pid: number }).pid));
          res.on('error', reject);
        },
      )
      .on('error', reject);
  });
}

/** The lines a user reads as errors: the arbiter's `[ERROR]` lines and the CLI's `runicorn:` lines. */
const errorLines = (r: Running, from = 0) => r.lines.slice(from).filter((l) => /\[ERROR\]|^runicorn:/.test(l));

/** The message of an error line, without the CLI's or the log's prefix. */
const messageOf = (line: string) => line.replace(/^runicorn: /, '').replace(/^.*\[ERROR\] /, '');

const tlsArgs = (key: string, cert: string) => ['--keyfile', at(key), '--certfile', at(cert)];

test(
  '--check-config runs the TLS checks: a missing certificate is the same one line and exit 1 as a start',
  BOUND,
  async (t) => {
    const args = [...tlsArgs('one.key', 'missing.pem'), at('app.mjs')];
    const checked = runicorn(t, ['--check-config', ...args]);
    assert.equal((await checked.exited).code, 1);
    const started = runicorn(t, ['-b', '127.0.0.1:0', ...args]);
    assert.equal((await started.exited).code, 1);

    const [checkLine, ...moreChecks] = errorLines(checked);
    const [startLine, ...moreStarts] = errorLines(started);
    assert.deepEqual(moreChecks, [], checked.lines.join('\n'));
    assert.deepEqual(moreStarts, [], started.lines.join('\n'));
    assert.match(
      messageOf(checkLine ?? ''),
      /^cannot serve HTTPS: --certfile '.*missing\.pem': no such file \(ENOENT\)$/,
    );
    assert.equal(messageOf(checkLine ?? ''), messageOf(startLine ?? ''));
    assert.deepEqual(started.workerPids(), []);
  },
);

test('--check-config passes a good HTTPS configuration, and refuses a key that does not match', BOUND, async (t) => {
  const good = runicorn(t, ['--check-config', ...tlsArgs('one.key', 'one.crt'), at('app.mjs')]);
  assert.equal((await good.exited).code, 0, good.lines.join('\n'));
  assert.deepEqual(errorLines(good), []);

  serverPair(dir, 'other');
  const bad = runicorn(t, ['--check-config', ...tlsArgs('other.key', 'one.crt'), at('app.mjs')]);
  assert.equal((await bad.exited).code, 1);
  const lines = errorLines(bad);
  assert.equal(lines.length, 1, bad.lines.join('\n'));
  assert.match(lines[0] ?? '', /^runicorn: cannot serve HTTPS: --keyfile '.*other\.key': the key does not match/);
});

test(
  'an sslContext hook that throws or returns a number: one line and exit 1 at start and under --check-config, no worker',
  BOUND,
  async (t) => {
    const cases: Array<[string, RegExp]> = [
      [throwingHook, /cannot serve HTTPS: the sslContext hook threw: no such secret$/],
      [
        'export const sslContext = () => 42;\n',
        /cannot serve HTTPS: the sslContext hook returned number, not https\.createServer options or a tls\.SecureContext$/,
      ],
      [
        // Options that https.createServer refuses: not a key at all.
        'export const sslContext = (config, make) => ({ ...make(), key: "not a key" });\n',
        /cannot serve HTTPS: the sslContext hook returned options that https\.createServer refuses: /,
      ],
    ];
    for (const [hook, line] of cases) {
      const conf = at('broken-hook.conf.mjs');
      writeFileSync(conf, hook);
      for (const mode of [['-b', '127.0.0.1:0'], ['--check-config']]) {
        const r = runicorn(t, [...mode, '-c', conf, ...tlsArgs('one.key', 'one.crt'), at('app.mjs')]);
        assert.equal((await r.exited).code, 1, `${mode.join(' ')}\n${r.lines.join('\n')}`);
        const errors = errorLines(r);
        assert.equal(errors.length, 1, r.lines.join('\n'));
        assert.match(errors[0] ?? '', line);
        assert.deepEqual(r.workerPids(), [], 'no worker started');
        assert.ok(!r.lines.some((l) => /at .*\.m?js:\d+/.test(l)), 'no stack trace');
      }
    }
  },
);

test(
  'HUP with an sslContext hook that now throws: one line, the reload is refused, the same workers serve on',
  BOUND,
  async (t) => {
    const conf = at('hup.conf.mjs');
    const calls = at('calls.log');
    writeFileSync(calls, '');
    writeFileSync(conf, goodHook(calls));
    const r = runicorn(t, [
      '-b',
      '127.0.0.1:0',
      '-w',
      '2',
      '-c',
      conf,
      ...tlsArgs('one.key', 'one.crt'),
      at('app.mjs'),
    ]);
    const port = await r.port();
    await r.waitFor(/Booting worker with pid/, { nth: 2 });
    const pids = r.workerPids();
    assert.equal(pids.length, 2);
    const answered = new Set<number>();
    while (answered.size < 2) answered.add(await pidOver(port));
    assert.deepEqual([...answered].sort(), [...pids].sort());

    // The config file changes so that the hook throws; then HUP.
    writeFileSync(conf, throwingHook);
    const mark = r.lines.length;
    r.kill('SIGHUP');
    await r.waitFor(/Reload failed: cannot serve HTTPS: the sslContext hook threw: no such secret/, { from: mark });
    assert.equal(errorLines(r, mark).length, 1, r.lines.slice(mark).join('\n'));
    for (let i = 0; i < 10; i++) assert.ok(pids.includes(await pidOver(port)), 'an old worker answers');

    // Fixed again, HUP: new workers take over. Until then, no worker was started by the refused HUP.
    writeFileSync(conf, goodHook(calls));
    const mark2 = r.lines.length;
    r.kill('SIGHUP');
    for (const pid of pids)
      await r.waitFor(new RegExp(`Worker exiting \\(pid: ${pid}\\)`), { from: mark2, timeoutMs: 30_000 });
    assert.ok(!r.lines.slice(mark, mark2).some((l) => /Booting worker/.test(l)), 'the refused HUP started no worker');
    assert.ok(!r.lines.some((l) => /exited with code|failed to boot/.test(l)), r.lines.join('\n'));
    const fresh = r.workerPids().filter((p) => !pids.includes(p));
    assert.equal(fresh.length, 2);
    assert.ok(fresh.includes(await pidOver(port)));

    // The contract: the arbiter tries the hook once per start and per good HUP; each worker calls it once.
    const callers = readFileSync(calls, 'utf8').trim().split('\n').map(Number);
    assert.equal(callers.filter((p) => p === r.pid).length, 2, `callers: ${callers.join(' ')}`);
    for (const pid of [...pids, ...fresh]) assert.equal(callers.filter((p) => p === pid).length, 1, `worker ${pid}`);
    r.kill('SIGTERM');
    assert.equal((await r.exited).code, 0);
  },
);
