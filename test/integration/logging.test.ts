// The access and error logs of a real server: Gunicorn's formats, files, levels, JSON, rotation
// with USR1 under load (every request in exactly one file), captured output, a user's logger.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createSocket } from 'node:dgram';
import http from 'node:http';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { example, fixture, get, isAlive, runicorn, until as untilServes, type Running } from '../support/cli';
import { steadyLoad } from '../support/load';
import { VERSION as version } from '../../src/cli/version';

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');
const linesOf = (path: string) => read(path).split('\n').filter(Boolean);

/** Resolves once the file at `path` has `n` lines matching `re` (polled: the file is written by other processes). */
async function fileLines(path: string, re: RegExp, n = 1, timeoutMs = 10_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = linesOf(path).filter((l) => re.test(l));
    if (found.length >= n) return found;
    if (Date.now() > deadline) throw new Error(`${path}: fewer than ${n} lines matching ${re}:\n${read(path)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The port, from the error log file (stderr is empty when the error log is a file). */
async function portIn(errorLog: string): Promise<number> {
  const [line] = await fileLines(errorLog, /Listening at: http:\/\/[^ ]*:(\d+) /);
  return Number(/:(\d+) \(/.exec(line as string)?.[1]);
}

async function stop(r: Running): Promise<void> {
  r.kill('SIGTERM');
  assert.equal((await r.exited).code, 0);
}

// %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"
const COMBINED =
  /^(\S+) - (\S+) \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "([A-Z]+) (\S+) HTTP\/1\.[01]" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)"$/;

test("the access log, off by default, is Gunicorn's combined format in a file, one line per request", async (t) => {
  const dir = tempDir(t);
  const access = join(dir, 'access.log');
  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', '--access-logfile', access, fixture('app.mjs')]);
  const port = await r.port();
  await r.waitFor(/Booting worker/, { nth: 2 });
  for (let i = 0; i < 6; i++)
    assert.equal((await get(port, `/?i=${i}`, { 'User-Agent': 'logtest/1', Referer: 'http://r.test/' })).status, 200);
  const lines = await fileLines(access, /GET \/\?i=/, 6);
  // Two workers write to the file, each with its own buffer: lines are whole, not in request order.
  for (let i = 0; i < 6; i++) {
    const line = lines.find((l) => l.includes(`/?i=${i} `)) ?? '';
    const m = COMBINED.exec(line);
    assert.ok(m, `Gunicorn's format: ${line}`);
    assert.deepEqual(
      [m[1], m[2], m[3], m[4], m[5], m[7], m[8]],
      ['127.0.0.1', '-', 'GET', `/?i=${i}`, '200', 'http://r.test/', 'logtest/1'],
    );
  }
  // Without --access-logfile nothing is logged: the error log says nothing per request.
  const quiet = runicorn(t, ['-b', '127.0.0.1:0', fixture('app.mjs')]);
  const quietPort = await quiet.port();
  await get(quietPort, '/');
  await stop(quiet);
  assert.ok(!quiet.out.some((l) => l.includes('GET /')) && !quiet.lines.some((l) => l.includes('"GET /')));
  await stop(r);
});

test('--access-logfile - writes to stdout; every atom of a custom format, with a chunked answer', async (t) => {
  const format =
    '%(h)s|%(l)s|%(u)s|%(r)s|%(m)s|%(U)s|%(q)s|%(H)s|%(s)s|%(B)s|%(b)s|%(f)s|%(a)s|%(T)s|%(M)s|%(D)s|%(L)s|%(p)s|%({x-trace}i)s|%({x-request-id}o)s|%({runicorn_test_env}e)s|%(t)s';
  const r = runicorn(
    t,
    ['-b', '127.0.0.1:0', '--access-logfile', '-', '--access-logformat', format, fixture('app.mjs')],
    {
      env: { RUNICORN_TEST_ENV: 'from-env' },
    },
  );
  const port = await r.port();
  const [worker] = await r.waitFor(/Booting worker with pid: (\d+)/).then((m) => [m[1]]);
  const reply = await get(port, '/chunked?x=%22y', {
    Authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}`,
    'X-Trace': 't-1',
  });
  assert.equal(reply.body, 'abcdefg');
  await stop(r);
  const line = r.out.find((l) => l.includes('/chunked'));
  assert.ok(line, `an access line on stdout: ${r.out.join('\n')}`);
  const f = line.split('|');
  assert.deepEqual(f.slice(0, 13), [
    '127.0.0.1',
    '-',
    'alice',
    'GET /chunked?x=%22y HTTP/1.1',
    'GET',
    '/chunked',
    'x=%22y',
    'HTTP/1.1',
    '200',
    // Chunked: the body's 7 bytes plus the chunk framing (3\r\nabc\r\n 4\r\ndefg\r\n 0\r\n\r\n).
    '22',
    '22',
    '-',
    '-',
  ]);
  assert.equal(f[13], '0');
  assert.ok(Number(f[14]) >= 5, `M is at least the 5 ms the app waited: ${f[14]}`);
  assert.ok(Number(f[15]) >= 5000 && Number(f[15]) < 10_000_000, `D in µs: ${f[15]}`);
  assert.match(f[16] as string, /^0\.\d{6}$/);
  assert.deepEqual(f.slice(17, 21), [`<${worker}>`, 't-1', 'r-7', 'from-env']);
  assert.match(f[21] as string, /^\[\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]$/);
});

test('--error-logfile: the arbiter and the workers write there; --log-level warning leaves out info', async (t) => {
  const dir = tempDir(t);
  const errors = join(dir, 'error.log');
  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', '--error-logfile', errors, fixture('app.mjs')]);
  const port = await portIn(errors);
  const booted = await fileLines(errors, /\[INFO\] Booting worker with pid: \d+/, 2);
  const pids = booted.map((l) => /^\[[^\]]+\] \[(\d+)\]/.exec(l)?.[1]);
  assert.equal(new Set(pids).size, 2, 'each worker wrote its own line, with its own pid');
  assert.equal((await get(port, '/throw')).status, 500);
  await fileLines(errors, /\[ERROR\] Error handling request GET \/throw: Error: boom from \/throw/);
  await stop(r);
  await fileLines(errors, /\[INFO\] Shutting down: Master/);
  assert.deepEqual(
    r.lines.filter((l) => /\[INFO\]/.test(l)),
    [],
    'nothing in the log format on stderr',
  );

  // At warning, the info lines are left out and an error still shows: a worker killed with -9.
  const quiet = join(dir, 'quiet.log');
  const sock = join(dir, 's.sock');
  const q = runicorn(t, ['-b', `unix:${sock}`, '--error-logfile', quiet, '--log-level', 'warning', fixture('app.mjs')]);
  const pid = Number(await untilServed(sock));
  process.kill(pid, 'SIGKILL');
  await fileLines(quiet, new RegExp(`\\[ERROR\\] Worker \\(pid:${pid}\\) was sent SIGKILL`));
  await stop(q);
  assert.doesNotMatch(read(quiet), /\[INFO\]|\[DEBUG\]/);
});

/** The body of GET / over a unix socket, once a worker answers there. */
async function untilServed(socketPath: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await new Promise<string | undefined>((resolve) => {
      const req = http.get({ socketPath, path: '/' }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () => resolve(res.statusCode === 200 ? text : undefined));
      });
      req.on('error', () => resolve(undefined));
    });
    if (body !== undefined) return body;
    if (Date.now() > deadline) throw new Error(`nothing served on ${socketPath}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('--log-level debug shows the configuration at boot and each request line', async (t) => {
  const r = runicorn(t, ['-b', '127.0.0.1:0', '--log-level', 'debug', '-w', '1', fixture('app.mjs')]);
  const port = await r.port();
  await r.waitFor(/\[DEBUG\] Current configuration:/);
  assert.ok(
    r.lines.includes('  workers: 1') && r.lines.some((l) => l.startsWith('  logLevel: "debug"')),
    'one setting per line',
  );
  await r.waitFor(/Booting worker/);
  await get(port, '/hello?x=1');
  await r.waitFor(/\[DEBUG\] GET \/hello\?x=1$/);
  await stop(r);
});

test('--log-format json: both logs are one JSON object per line, with the request fields on access lines', async (t) => {
  const dir = tempDir(t);
  const errors = join(dir, 'error.log');
  const access = join(dir, 'access.log');
  const r = runicorn(t, [
    '-b',
    '127.0.0.1:0',
    '--log-format',
    'json',
    '--error-logfile',
    errors,
    '--access-logfile',
    access,
    fixture('app.mjs'),
  ]);
  const port = await portIn(errors);
  await fileLines(errors, /Booting worker/);
  await get(port, '/some/path?q=1', { 'User-Agent': 'json-test' });
  const [line] = await fileLines(access, /some\/path/);
  const a = JSON.parse(line as string) as Record<string, unknown>;
  assert.equal(a.level, 'info');
  assert.equal(typeof a.pid, 'number');
  assert.ok(!Number.isNaN(Date.parse(a.time as string)));
  assert.match(a.msg as string, COMBINED);
  assert.deepEqual(
    [a.remote_addr, a.method, a.url, a.path, a.query, a.protocol, a.status, a.user_agent],
    ['127.0.0.1', 'GET', '/some/path?q=1', '/some/path', 'q=1', 'HTTP/1.1', 200, 'json-test'],
  );
  assert.equal(typeof a.duration_ms, 'number');
  await stop(r);
  const errorLines = linesOf(errors).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(errorLines.some((e) => e.level === 'info' && e.msg === 'Shutting down: Master'));
  for (const e of errorLines) assert.deepEqual(Object.keys(e), ['time', 'level', 'pid', 'msg']);
});

test('USR1 after the access log was renamed: every request under load is in exactly one of the two files', async (t) => {
  const dir = tempDir(t);
  const access = join(dir, 'access.log');
  const errors = join(dir, 'error.log');
  const r = runicorn(t, [
    '-w',
    '2',
    '-b',
    '127.0.0.1:0',
    '--access-logfile',
    access,
    '--access-logformat',
    '%(r)s',
    '--error-logfile',
    errors,
    fixture('app.mjs'),
  ]);
  const port = await portIn(errors);
  await fileLines(errors, /Booting worker/, 2);
  const load = steadyLoad(port, 8, { path: (n) => `/?n=${n}` });
  await load.more(300);
  renameSync(access, `${access}.1`);
  await load.more(100); // written to the renamed file until the workers reopen
  r.kill('SIGUSR1');
  await fileLines(errors, /Handling signal: usr1/);
  await fileLines(access, /GET/, 50); // the workers write to the new file
  await load.stop();
  await stop(r);
  assert.deepEqual(load.failed, []);
  const seen = [...linesOf(`${access}.1`), ...linesOf(access)].map((l) => /n=(\d+)/.exec(l)?.[1]);
  const answered = load.bodies.length;
  assert.equal(seen.length, answered, 'as many lines as answered requests');
  assert.equal(new Set(seen).size, answered, 'none twice');
  assert.ok(linesOf(`${access}.1`).length >= 400, 'the old file kept what was written before the reopen');
});

test('--capture-output puts what the app prints into the error log file; a bad log path is one line and exit 1', async (t) => {
  const dir = tempDir(t);
  const errors = join(dir, 'error.log');
  const r = runicorn(t, ['-b', '127.0.0.1:0', '--capture-output', '--error-logfile', errors, fixture('app.mjs')]);
  const port = await portIn(errors);
  await fileLines(errors, /Booting worker/);
  assert.equal((await get(port, '/print?text=hello')).body, 'printed');
  await fileLines(errors, /^out: hello$/);
  await fileLines(errors, /^err: hello$/);
  await stop(r);
  assert.ok(!r.out.some((l) => l.includes('hello')) && !r.lines.some((l) => l.includes('hello')));

  const bad = runicorn(t, ['-b', '127.0.0.1:0', '--access-logfile', join(dir, 'missing', 'a.log'), fixture('app.mjs')]);
  assert.equal((await bad.exited).code, 1);
  await bad.closed;
  assert.deepEqual(bad.lines.filter(Boolean), [
    `runicorn: cannot open the access log '${join(dir, 'missing', 'a.log')}': ENOENT: no such file or directory, open '${join(dir, 'missing', 'a.log')}'`,
  ]);
});

test("--logger-class: a user's logger gets the error log, every request and USR1", async (t) => {
  const dir = tempDir(t);
  const out = join(dir, 'user.log');
  const r = runicorn(t, ['-b', '127.0.0.1:0', '--logger-class', fixture('logger.mjs'), fixture('app.mjs')], {
    env: { LOGGER_OUT: out },
  });
  const records = () => linesOf(out).map((l) => JSON.parse(l) as Record<string, unknown>);
  const [listening] = await fileLines(out, /Listening at/);
  const port = Number(/:(\d+) \(/.exec(JSON.parse(listening as string).message)?.[1]);
  await fileLines(out, /Booting worker/);
  await get(port, '/x?y=1');
  await fileLines(out, /"kind":"access"/);
  r.kill('SIGUSR1');
  await fileLines(out, /"kind":"reopen"/, 2); // the arbiter and the worker
  await stop(r);
  const access = records().find((x) => x.kind === 'access');
  assert.equal(access?.url, '/x?y=1');
  assert.equal(access?.status, 200);
  assert.match(access?.line as string, COMBINED);
  assert.ok(records().some((x) => x.kind === 'built' && x.logLevel === 'info'));

  const missing = runicorn(t, ['-b', '127.0.0.1:0', '--logger-class', './nope.mjs', fixture('app.mjs')]);
  assert.equal((await missing.exited).code, 1);
  await missing.closed;
  assert.equal(missing.lines.filter(Boolean).length, 1);
  assert.match(missing.lines[0] as string, /^runicorn: --logger-class \.\/nope\.mjs cannot be used: .*nope\.mjs/);
});

/** Datagrams received, as text. */
function received(socket: { on(event: 'message', listener: (b: Buffer) => void): unknown }) {
  const got: string[] = [];
  socket.on('message', (b: Buffer) => got.push(b.toString('utf8')));
  return got;
}

async function until(check: () => boolean, what: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('--log-syslog over UDP: both logs, RFC 3164 as Gunicorn sends them, from the arbiter and the worker', async (t) => {
  const receiver = createSocket('udp4');
  t.after(() => receiver.close());
  const got = received(receiver);
  await new Promise<void>((r) => receiver.bind(0, '127.0.0.1', () => r()));
  const { port: syslogPort } = receiver.address();
  const r = runicorn(t, [
    '-b',
    '127.0.0.1:0',
    '--log-syslog',
    '--log-syslog-to',
    `udp://127.0.0.1:${syslogPort}`,
    '--log-syslog-prefix',
    'shop',
    '--log-syslog-facility',
    'local0',
    fixture('app.mjs'),
  ]);
  const port = await r.port();
  const worker = Number((await r.waitFor(/Booting worker with pid: (\d+)/))[1]);
  await get(port, '/from-test');
  // local0 (16) × 8 + info (6) = 134
  await until(
    () =>
      got.some(
        (m) =>
          m.startsWith(`<134>runicorn.shop.access: [${worker}] 127.0.0.1 - - [`)
          && m.includes('"GET /from-test HTTP/1.1" 200'),
      ),
    () => got.join('\n'),
  );
  assert.ok(got.includes(`<134>runicorn.shop.error: [${r.pid}] Starting runicorn ${version}\0`), got.join('\n'));
  assert.ok(got.includes(`<134>runicorn.shop.error: [${worker}] Booting worker with pid: ${worker}\0`));
  assert.ok(got.every((m) => m.endsWith('\0')));
  await stop(r);
});

test('--log-syslog to a unix datagram socket with --disable-redirect-access-to-syslog: errors only', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'log.sock');
  const unixDgram = require('unix-dgram') as {
    createSocket(type: 'unix_dgram', listener: (b: Buffer) => void): { bind(path: string): void; close(): void };
  };
  const got: string[] = [];
  const receiver = unixDgram.createSocket('unix_dgram', (b) => got.push(b.toString('utf8')));
  receiver.bind(path);
  t.after(() => receiver.close());
  const r = runicorn(t, [
    '-b',
    '127.0.0.1:0',
    '--log-syslog',
    '--log-syslog-to',
    `unix://${path}`,
    '--disable-redirect-access-to-syslog',
    '-n',
    'web:api',
    fixture('app.mjs'),
  ]);
  const port = await r.port();
  const worker = Number((await r.waitFor(/Booting worker with pid: (\d+)/))[1]);
  await get(port, '/not-in-syslog');
  r.kill('SIGTERM');
  await r.exited;
  await until(
    () => got.some((m) => m.includes('Shutting down: Master')),
    () => got.join('\n'),
  );
  // user (1) × 8 + info (6) = 14; the default prefix is the process name with ':' as '.'
  assert.ok(
    got.includes(`<14>runicorn.web.api.error: [${worker}] Booting worker with pid: ${worker}\0`),
    got.join('\n'),
  );
  assert.ok(!got.some((m) => m.includes('not-in-syslog') || m.includes('.access:')));
});

test('examples/logging/pino-logger.mjs: both logs as pino JSON lines in one file', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'app.log');
  const r = runicorn(
    t,
    ['-b', '127.0.0.1:0', '--logger-class', example('logging/pino-logger.mjs'), example('hello.mjs')],
    {
      env: { LOG_FILE: file },
    },
  );
  const [listening] = await fileLines(file, /Listening at/);
  const port = Number(/:(\d+) \(/.exec((JSON.parse(listening as string) as { msg: string }).msg)?.[1]);
  await fileLines(file, /Booting worker/);
  await get(port, '/pino?x=1');
  const [line] = await fileLines(file, /\/pino\?x=1/);
  const entry = JSON.parse(line as string) as Record<string, unknown>;
  assert.equal(entry.level, 30);
  assert.deepEqual(entry.req, { method: 'GET', url: '/pino?x=1', remoteAddress: '127.0.0.1' });
  assert.equal((entry.res as { status: number }).status, 200);
  assert.match(entry.msg as string, COMBINED);
  await stop(r);
  await fileLines(file, /Shutting down: Master/);
});

test('response sizes on one keep-alive connection: Content-Length, chunked, HEAD, in turn', async (t) => {
  const r = runicorn(t, [
    '-b',
    '127.0.0.1:0',
    '--access-logfile',
    '-',
    '--access-logformat',
    '%(m)s %(U)s %(B)s',
    fixture('app.mjs'),
  ]);
  const port = await r.port();
  await r.waitFor(/Booting worker/);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const ask = (method: string, path: string) =>
    new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, method, agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
  const pid = await ask('GET', '/');
  await ask('GET', '/chunked');
  await ask('HEAD', '/');
  await ask('GET', '/chunked');
  await stop(r);
  assert.deepEqual(
    r.out.filter((l) => /^(GET|HEAD) /.test(l)),
    [`GET / ${pid.length}`, 'GET /chunked 22', 'HEAD / 0', 'GET /chunked 22'],
  );
});

test('HUP re-applies the logging settings: a new error log file and level, new access log for the new workers', async (t) => {
  const dir = tempDir(t);
  const conf = join(dir, 'runicorn.conf.mjs');
  const config = (errorlog: string, accesslog: string, level: string) =>
    `export default { errorlog: ${JSON.stringify(errorlog)}, accesslog: ${JSON.stringify(accesslog)}, logLevel: '${level}' };\n`;
  writeFileSync(conf, config(join(dir, 'error-1.log'), join(dir, 'access-1.log'), 'info'));
  const r = runicorn(t, ['-c', conf, '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await portIn(join(dir, 'error-1.log'));
  const [first] = await fileLines(join(dir, 'error-1.log'), /Booting worker/);
  const old = Number(/pid: (\d+)/.exec(first as string)?.[1]);
  await get(port, '/before');
  await fileLines(join(dir, 'access-1.log'), /GET \/before /);
  writeFileSync(conf, config(join(dir, 'error-2.log'), join(dir, 'access-2.log'), 'debug'));
  r.kill('SIGHUP');
  // The arbiter's own lines (at debug now) go to the new file, and so do the new worker's.
  await fileLines(join(dir, 'error-2.log'), /\[DEBUG\]/);
  const booted = await fileLines(join(dir, 'error-2.log'), /Booting worker with pid: (\d+)/);
  const fresh = Number(/pid: (\d+)/.exec(booted[0] as string)?.[1]);
  await fileLines(join(dir, 'error-1.log'), /Handling signal: hup/);
  // Only the new worker serves once the old one has gone; its requests go to the new access log.
  await untilServes(port, '/', (reply) => Number(reply.body) === fresh);
  // The old worker may still accept until it is told to stop: wait until it is gone.
  while (isAlive(old)) await new Promise((done) => setTimeout(done, 20));
  await get(port, '/after');
  await fileLines(join(dir, 'access-2.log'), /GET \/after /);
  assert.doesNotMatch(read(join(dir, 'access-1.log')), /\/after/);
  await stop(r);
});

test("a HUP whose new workers cannot load the app: the arbiter goes back to the running configuration's logs", async (t) => {
  const dir = tempDir(t);
  const conf = join(dir, 'runicorn.conf.mjs');
  const app = join(dir, 'app.mjs');
  const config = (errorlog: string, level: string) =>
    `export default { errorlog: ${JSON.stringify(errorlog)}, logLevel: '${level}' };\n`;
  writeFileSync(app, "export default (req, res) => res.end('v1');\n");
  writeFileSync(conf, config(join(dir, 'error-1.log'), 'info'));
  const r = runicorn(t, ['-c', conf, '-b', '127.0.0.1:0', app]);
  const port = await portIn(join(dir, 'error-1.log'));
  // Served once: the worker has loaded the app ("Booting worker" comes before), so breaking it now
  // breaks only the new workers.
  assert.equal((await get(port, '/')).body, 'v1');
  writeFileSync(conf, config(join(dir, 'error-2.log'), 'debug'));
  writeFileSync(app, "throw new Error('the new build is broken');\n");
  r.kill('SIGHUP');
  // The reload is abandoned: its failure, and what follows, go to the log still in use.
  await fileLines(join(dir, 'error-1.log'), /Reload failed: .*the new build is broken/);
  // A signal that starts no worker (one would load the broken app, and halt the arbiter).
  r.kill('SIGUSR1');
  await fileLines(join(dir, 'error-1.log'), /Handling signal: usr1/);
  assert.equal((await get(port, '/')).body, 'v1');
  // The new file's log served the reload while it was tried (the new workers' lines, the arbiter's
  // about them), and nothing after it was abandoned.
  const after = read(join(dir, 'error-2.log'))
    .split('\n')
    .filter((l) => l.includes(`[${r.pid}]`) && /Reload failed|usr1/.test(l));
  assert.deepEqual(after, []);
  await stop(r);
});

test('--log-syslog to a socket that is not there: each process warns once, and every request is served', async (t) => {
  const dir = tempDir(t);
  const r = runicorn(t, [
    '-b',
    '127.0.0.1:0',
    '--log-syslog',
    '--log-syslog-to',
    `unix://${join(dir, 'no.sock')}#stream`,
    fixture('app.mjs'),
  ]);
  const port = await r.port();
  const worker = Number((await r.waitFor(/Booting worker with pid: (\d+)/))[1]);
  for (let i = 0; i < 20; i++) assert.equal((await get(port, `/?i=${i}`)).status, 200);
  await r.waitFor(new RegExp(`\\[${worker}\\] \\[WARNING\\] cannot send to syslog`));
  await stop(r);
  const warnings = (pid: number) =>
    r.lines.filter((l) => l.includes(`[${pid}] [WARNING] cannot send to syslog`)).length;
  assert.equal(warnings(worker), 1, r.lines.join('\n'));
  assert.equal(warnings(r.pid), 1);
});
