// StatsD (--statsd-host): Gunicorn's metrics, as a real UDP listener receives them from the real
// CLI; and a StatsD host that is not there (closed port, a name that does not resolve) never
// costs a request.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fixture, get, runicorn, until } from '../support/cli';

/** A UDP listener on a free loopback port, keeping every StatsD line it receives. */
async function statsdListener(t: TestContext) {
  const socket = dgram.createSocket('udp4');
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (packet) => {
    // One datagram may carry several lines (workers buffer theirs).
    lines.push(...packet.toString('utf8').split('\n'));
    for (const w of [...waiters]) w();
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  t.after(() => socket.close());
  return {
    port: socket.address().port,
    lines,
    /** Resolves once `predicate(lines)` holds (checked at each packet); fails after `timeoutMs`. */
    until(predicate: (all: readonly string[]) => boolean, timeoutMs = 10_000): Promise<void> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(lines)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`StatsD lines not seen in ${timeoutMs} ms; got:\n${lines.join('\n')}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

const count = (lines: readonly string[], re: RegExp) => lines.filter((l) => re.test(l)).length;

test('statsd: every request is counted, timed and counted by status, with the prefix and DogStatsD tags; workers are a gauge', async (t) => {
  const statsd = await statsdListener(t);
  const r = runicorn(t, [
    '-w',
    '2',
    '-b',
    '127.0.0.1:0',
    '--statsd-host',
    `127.0.0.1:${statsd.port}`,
    '--statsd-prefix',
    'app',
    '--dogstatsd-tags',
    'env:test,team:web',
    fixture('app.mjs'),
  ]);
  const port = await r.port();
  await r.waitFor(/Booting worker with pid/, { nth: 2 });
  await until(port, '/', (reply) => reply.status === 200);
  const N = 30;
  for (let i = 0; i < N - 1; i++) assert.equal((await get(port, '/')).status, 200);
  assert.equal((await get(port, '/throw')).status, 500);
  const tags = '\\|#env:test,team:web$';
  // A request's three lines may land in two datagrams: wait until every one has come.
  await statsd.until(
    (lines) =>
      count(lines, new RegExp(`^app\\.runicorn\\.requests:1\\|c\\|@1\\.0${tags}`)) === N + 1
      && count(lines, /^app\.runicorn\.request\.status\.\d+:1\|/) === N + 1
      && count(lines, /^app\.runicorn\.request\.duration:/) === N + 1
      && count(lines, /^app\.runicorn\.log\.exception:1\|c\|@1\.0\|#/) === 1,
  );
  const { lines } = statsd;
  assert.equal(count(lines, new RegExp(`^app\\.runicorn\\.request\\.status\\.200:1\\|c\\|@1\\.0${tags}`)), N);
  assert.equal(count(lines, new RegExp(`^app\\.runicorn\\.request\\.status\\.500:1\\|c\\|@1\\.0${tags}`)), 1);
  const timers = lines.filter((l) => l.startsWith('app.runicorn.request.duration:'));
  assert.equal(timers.length, N + 1);
  for (const l of timers)
    assert.match(l, new RegExp(`^app\\.runicorn\\.request\\.duration:\\d+(\\.\\d{1,3})?\\|ms${tags}`));
  // The arbiter's gauge: two workers at boot.
  assert.ok(lines.includes('app.runicorn.workers:2|g|#env:test,team:web'), lines.join('\n'));
  // Every line is a whole StatsD line of Gunicorn's types.
  for (const l of lines) assert.match(l, /^app\.runicorn\.[a-z0-9._]+:[\d.]+\|(c\|@1\.0|ms|g)\|#env:test,team:web$/);
  // A worker killed and replaced: the count stays 2, TTOU makes it 1 (zero values are sent too).
  const mark = statsd.lines.length;
  r.kill('SIGTTOU');
  await statsd.until((all) => all.slice(mark).includes('app.runicorn.workers:1|g|#env:test,team:web'));
});

test('statsd: a host with nothing listening, or a name that does not resolve, costs no request', async (t) => {
  // A port that was just free: nothing listens there.
  const closed = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => closed.bind(0, '127.0.0.1', resolve));
  const closedPort = closed.address().port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  for (const host of [`127.0.0.1:${closedPort}`, 'statsd.invalid:8125']) {
    const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', '--statsd-host', host, fixture('app.mjs')]);
    const port = await r.port();
    await until(port, '/', (reply) => reply.status === 200);
    const replies = await Promise.all(Array.from({ length: 200 }, () => get(port, '/')));
    assert.deepEqual(new Set(replies.map((reply) => reply.status)), new Set([200]), host);
    // Sequential requests after the first flushes (and a failed lookup) still answer.
    for (let i = 0; i < 20; i++) assert.equal((await get(port, '/')).status, 200, host);
    const warnings = r.lines.filter((l) => l.includes('StatsD: cannot send to'));
    // One warning per process at most (arbiter and worker), never one per request.
    assert.ok(warnings.length <= 2, warnings.join('\n'));
    // The name that does not resolve is said, once per process, at warning level.
    if (host.startsWith('statsd.invalid'))
      assert.match(warnings[0] ?? '', /\[WARNING\] StatsD: cannot send to statsd\.invalid:8125/);
    r.kill('SIGTERM');
    assert.equal((await r.exited).code, 0, host);
  }
});

test('--enable-backlog-metric: connections waiting for a busy sync worker are the runicorn.backlog histogram', async (t) => {
  const statsd = await statsdListener(t);
  const r = runicorn(t, [
    '-k',
    'sync',
    '-w',
    '1',
    '-b',
    '127.0.0.1:0',
    '--enable-backlog-metric',
    '--statsd-host',
    `127.0.0.1:${statsd.port}`,
    fixture('app.mjs'),
  ]);
  const port = await r.port();
  await until(port, '/', (reply) => reply.status === 200);
  await statsd.until((lines) => lines.includes('runicorn.backlog:0|h'));
  // The one worker is busy for 3 s and stops accepting: two more connections wait in the backlog.
  const slow = get(port, '/slow?ms=3000');
  await r.waitFor(/slow request started/);
  const waiting = [get(port, '/'), get(port, '/')];
  await statsd.until((lines) => lines.some((l) => /^runicorn\.backlog:2\|h$/.test(l)));
  assert.deepEqual(
    (await Promise.all([slow, ...waiting])).map((x) => x.status),
    [200, 200, 200],
  );
});

test('HUP with a new --statsd-host: the arbiter and the new workers send to the new server', async (t) => {
  const first = await statsdListener(t);
  const second = await statsdListener(t);
  const dir = mkdtempSync(join(tmpdir(), 'runicorn-statsd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'runicorn.conf.mjs');
  const config = (port: number) => `export default { statsdHost: '127.0.0.1:${port}', workers: 1 };\n`;
  writeFileSync(conf, config(first.port));
  const r = runicorn(t, ['-c', conf, '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await first.until((lines) => lines.includes('runicorn.workers:1|g'));
  writeFileSync(conf, config(second.port));
  const mark = r.lines.length;
  r.kill('SIGHUP');
  const booted = await r.waitFor(/Booting worker with pid: (\d+)/, { from: mark });
  // The arbiter's gauge for the reload's new worker, and the new worker's requests, go to the new server.
  await second.until((lines) => lines.some((l) => /^runicorn\.workers:\d\|g$/.test(l)));
  await until(port, '/', (reply) => reply.body === booted[1]);
  await second.until((lines) => lines.includes('runicorn.requests:1|c|@1.0'));
});
