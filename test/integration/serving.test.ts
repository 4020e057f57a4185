// How a worker serves: keep-alive on and off, and the --worker-connections limit.
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { fixture, get, runicorn, until } from '../support/cli';

function twoOnOneConnection(port: number): Promise<{ first: http.IncomingHttpHeaders; sockets: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<unknown>();
  const one = () =>
    new Promise<http.IncomingHttpHeaders>((res, rej) => {
      http
        .get({ host: '127.0.0.1', port, path: '/', agent }, (r) => {
          sockets.add(r.socket);
          r.resume();
          r.on('end', () => res(r.headers));
        })
        .on('error', rej);
    });
  return one().then(async (first) => {
    await one();
    agent.destroy();
    return { first, sockets: sockets.size };
  });
}

test('keep-alive is on by default: two requests share one connection', async (t) => {
  const r = runicorn(t, ['-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await until(port, '/', (rep) => rep.status === 200);
  const { first, sockets } = await twoOnOneConnection(port);
  assert.equal(first.connection, 'keep-alive');
  assert.match(String(first['keep-alive']), /timeout=2/);
  assert.equal(sockets, 1);
});

test('--keep-alive 0 closes every connection after its response', async (t) => {
  const r = runicorn(t, ['--keep-alive', '0', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await until(port, '/', (rep) => rep.status === 200);
  const { first, sockets } = await twoOnOneConnection(port);
  assert.equal(first.connection, 'close');
  assert.equal(sockets, 2);
});

test('--worker-connections 1: a second request waits until the first is answered', async (t) => {
  const r = runicorn(t, ['-w', '1', '--worker-connections', '1', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await until(port, '/', (rep) => rep.status === 200);
  const mark = r.lines.length;
  const order: string[] = [];
  const first = get(port, '/slow?ms=400').then(() => order.push('first answered'));
  await r.waitFor(/slow request started/, { from: mark });
  const second = get(port, '/slow?ms=10').then(() => order.push('second answered'));
  await first;
  const started = r.lines.slice(mark).filter((l) => /slow request started/.test(l)).length;
  assert.equal(started, 1, 'the second request had not started while the first ran');
  await second;
  assert.deepEqual(order, ['first answered', 'second answered']);
});

test('TTIN adds a worker and TTOU retires the oldest, with real signals', async (t) => {
  const r = runicorn(t, ['-w', '1', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await until(port, '/', (rep) => rep.status === 200);
  const [oldest] = r.workerPids();
  let mark = r.lines.length;
  r.kill('SIGTTIN');
  const added = Number((await r.waitFor(/Booting worker with pid: (\d+)/, { from: mark }))[1]);
  assert.notEqual(added, oldest);
  mark = r.lines.length;
  r.kill('SIGTTOU');
  await r.waitFor(new RegExp(`Worker \\(pid:${oldest}\\) was sent SIGTERM!|Worker exiting \\(pid: ${oldest}\\)`), {
    from: mark,
  });
  const reply = await until(port, '/', (rep) => rep.status === 200);
  assert.equal(Number(reply.body), added, 'the newer worker serves');
  assert.ok(!r.lines.slice(mark).some((l) => /Booting worker/.test(l)), 'the retired worker was not replaced');
});
