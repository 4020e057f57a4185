// Prometheus (--metrics-bind): the arbiter serves /metrics on its own address, summing what every
// worker counted over IPC; restarts are counted by reason.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { fixture, get, runicorn, until, type Running } from '../support/cli';

/** A loopback port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One scrape: status, content type and the exposition text. */
function scrape(port: number, path = '/metrics'): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text }));
      })
      .on('error', reject);
  });
}

/** The samples of metric `name` (exact name, any labels) as [labels, value]. */
function samples(text: string, name: string): Array<[string, number]> {
  const re = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`, 'gm');
  return [...text.matchAll(re)].map((m) => [m[1] ?? '', Number(m[2])]);
}
const total = (text: string, name: string) => samples(text, name).reduce((sum, [, v]) => sum + v, 0);

/** Scrape until `predicate(text)` holds (each try is a real scrape), at most `attempts` times. */
async function scrapeUntil(port: number, predicate: (text: string) => boolean, attempts = 100): Promise<string> {
  let last = '';
  for (let i = 0; i < attempts; i++) {
    last = (await scrape(port)).text;
    if (predicate(last)) return last;
  }
  throw new Error(`scrape condition not met; last:\n${last}`);
}

async function start(
  t: Parameters<typeof runicorn>[0],
  args: string[],
): Promise<{ r: Running; port: number; metrics: number }> {
  const metrics = await freePort();
  const r = runicorn(t, ['-b', '127.0.0.1:0', '--metrics-bind', `127.0.0.1:${metrics}`, ...args, fixture('app.mjs')]);
  const port = await r.port();
  await r.waitFor(new RegExp(`Serving metrics at: http://127\\.0\\.0\\.1:${metrics}/metrics`));
  return { r, port, metrics };
}

test('prometheus: /metrics sums the requests of 2 workers, keeps their process metrics apart, and counts a SIGKILL as a crash', async (t) => {
  const { r, port, metrics } = await start(t, ['-w', '2', '--enable-backlog-metric']);
  await r.waitFor(/Booting worker with pid/, { nth: 2 });
  const N = 40;
  const replies = await Promise.all(Array.from({ length: N }, () => get(port, '/')));
  assert.deepEqual(new Set(replies.map((reply) => reply.status)), new Set([200]));

  const text = await scrapeUntil(metrics, (m) => total(m, 'runicorn_requests_total') === N);
  assert.deepEqual(samples(text, 'runicorn_requests_total'), [['{method="GET",status="200"}', N]]);
  assert.equal(total(text, 'runicorn_request_duration_seconds_count'), N);
  assert.deepEqual(samples(text, 'runicorn_workers'), [['', 2]]);
  assert.deepEqual(samples(text, 'runicorn_requests_in_flight'), [['', 0]]);
  // --enable-backlog-metric: nobody waits to be accepted by two idle workers.
  assert.deepEqual(samples(text, 'runicorn_listen_backlog'), [['', 0]]);
  // Each worker's Node process metrics, apart, labelled by worker; the arbiter's too.
  const labels = samples(text, 'process_resident_memory_bytes').map(([l]) => l);
  assert.equal(labels.length, 3, labels.join(' '));
  assert.ok(labels.includes('{worker="arbiter"}'));
  assert.deepEqual(labels.filter((l) => l !== '{worker="arbiter"}').sort(), ['{worker="1"}', '{worker="2"}']);
  for (const reason of ['exit', 'crash', 'timeout', 'max_requests', 'reload'])
    assert.deepEqual(
      samples(text, 'runicorn_worker_restarts_total').find(([l]) => l === `{reason="${reason}"}`)?.[1],
      0,
    );

  // The app's port never serves metrics; the metrics port serves nothing else.
  // (The app answers every path with its worker's pid; either worker may take this connection.)
  const appsAnswer = (await get(port, '/metrics')).body;
  assert.ok(
    r.workerPids().map(String).includes(appsAnswer),
    `the app answered /metrics on its own port: ${appsAnswer}`,
  );
  assert.equal((await scrape(metrics, '/other')).status, 404);
  const ok = await scrape(metrics);
  assert.equal(ok.status, 200);
  assert.match(ok.type, /^text\/plain; version=0\.0\.4/);

  // A worker killed with SIGKILL: a crash restart; its requests are still counted.
  await scrapeUntil(metrics, (m) => total(m, 'runicorn_requests_total') === N + 1);
  const victim = r.workerPids()[0] as number;
  const mark = r.lines.length;
  process.kill(victim, 'SIGKILL');
  await r.waitFor(/Booting worker with pid/, { from: mark });
  const after = await scrapeUntil(metrics, (m) => total(m, 'runicorn_worker_restarts_total') === 1);
  assert.deepEqual(
    samples(after, 'runicorn_worker_restarts_total').filter(([, v]) => v > 0),
    [['{reason="crash"}', 1]],
  );
  // N, and the app's own answer to /metrics: a gone worker leaves its counts behind.
  assert.equal(total(after, 'runicorn_requests_total'), N + 1, 'a gone worker leaves its counts behind');
  assert.deepEqual(samples(after, 'runicorn_workers'), [['', 2]]);
});

test('prometheus: max-requests and HUP show their reasons; TTOU is no restart', async (t) => {
  const { r, port, metrics } = await start(t, ['-w', '1', '--max-requests', '5']);
  await until(port, '/', (reply) => reply.status === 200);
  for (let i = 0; i < 10; i++) await until(port, '/', (reply) => reply.status === 200);
  const recycled = await scrapeUntil(metrics, (m) =>
    samples(m, 'runicorn_worker_restarts_total').some(([l, v]) => l === '{reason="max_requests"}' && v >= 1),
  );
  assert.deepEqual(samples(recycled, 'runicorn_worker_restarts_total').find(([l]) => l === '{reason="crash"}')?.[1], 0);

  let mark = r.lines.length;
  r.kill('SIGHUP');
  await r.waitFor(/Worker exiting/, { from: mark });
  await scrapeUntil(metrics, (m) =>
    samples(m, 'runicorn_worker_restarts_total').some(([l, v]) => l === '{reason="reload"}' && v === 1),
  );

  mark = r.lines.length;
  r.kill('SIGTTIN');
  await r.waitFor(/Booting worker with pid/, { from: mark });
  await scrapeUntil(metrics, (m) => samples(m, 'runicorn_workers')[0]?.[1] === 2);
  const before = total((await scrape(metrics)).text, 'runicorn_worker_restarts_total');
  mark = r.lines.length;
  r.kill('SIGTTOU');
  await r.waitFor(/Worker exiting/, { from: mark });
  const fewer = await scrapeUntil(metrics, (m) => samples(m, 'runicorn_workers')[0]?.[1] === 1);
  assert.equal(total(fewer, 'runicorn_worker_restarts_total'), before, 'TTOU is no restart');
});

test('prometheus: a worker that leaves at --max-requests before any scrape still counts its requests', async (t) => {
  const { r, port, metrics } = await start(t, ['-w', '1', '--max-requests', '5']);
  const first = Number((await r.waitFor(/Booting worker with pid: (\d+)/))[1]);
  // Exactly five requests, and no scrape: the first worker serves them all, then drains and exits.
  for (let i = 0; i < 5; i++) assert.equal((await get(port, '/')).status, 200);
  await r.waitFor(new RegExp(`Worker exiting \\(pid: ${first}\\)`));
  const text = (await scrape(metrics)).text;
  assert.equal(total(text, 'runicorn_requests_total'), 5, text);
  assert.equal(total(text, 'runicorn_request_duration_seconds_count'), 5);
});
