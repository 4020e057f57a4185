/**
 * Draining loses no request, through the real CLI under steady keep-alive load: workers recycled
 * by --max-requests and retired by TTOU finish what they have, answer further requests on their
 * open connections with `Connection: close`, and never close a connection a client may be
 * writing to. Every request of a bounded load must come back 200; before this rule, closing idle
 * keep-alive connections at the start of a drain reset the clients sending on them.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { example, get, runicorn, until } from '../support/cli';

const BOUND = { timeout: 60_000 };

interface Tally {
  ok: number;
  failed: string[];
  pids: Set<string>;
}

/**
 * GETs over `clients` keep-alive connections (one agent each), as fast as answers come: `total`
 * of them, or fewer once `enough()` says the scenario has happened (checked after each answer).
 */
async function load(
  port: number,
  clients: number,
  total: number,
  onProgress?: (done: number) => void,
  enough: () => boolean = () => false,
): Promise<Tally> {
  const tally: Tally = { ok: 0, failed: [], pids: new Set() };
  let sent = 0;
  const one = (agent: http.Agent) =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          if (res.statusCode === 200) {
            tally.ok += 1;
            tally.pids.add(body);
          } else tally.failed.push(`status ${res.statusCode}`);
          resolve();
        });
        res.on('error', (err) => {
          tally.failed.push(err.message);
          resolve();
        });
      });
      req.on('error', (err) => {
        tally.failed.push((err as NodeJS.ErrnoException).code ?? err.message);
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      while (sent < total && !enough()) {
        sent += 1;
        await one(agent);
        onProgress?.(tally.ok + tally.failed.length);
      }
      agent.destroy();
    }),
  );
  return tally;
}

test('--max-requests recycling under keep-alive load: every request answered 200', BOUND, async (t) => {
  const r = runicorn(t, [
    '-w',
    '2',
    '--max-requests',
    '150',
    '--max-requests-jitter',
    '20',
    '-b',
    '127.0.0.1:0',
    example('pid.mjs'),
  ]);
  const port = await r.port();
  await until(port, '/', (x) => x.status === 200);
  const recycled = () => r.lines.filter((l) => /Worker exiting/.test(l)).length;
  const tally = await load(port, 16, 50_000, undefined, () => recycled() >= 4);
  assert.deepEqual(tally.failed, [], 'no request lost while workers were recycled');
  assert.ok(recycled() >= 4, `4 workers recycled under load (${tally.ok} requests)`);
});

test('TTOU and TTIN under keep-alive load: every request answered 200', BOUND, async (t) => {
  const r = runicorn(t, ['-w', '3', '-b', '127.0.0.1:0', example('pid.mjs')]);
  const port = await r.port();
  await until(port, '/', (x) => x.status === 200);
  const signals: NodeJS.Signals[] = ['SIGTTOU', 'SIGTTOU', 'SIGTTIN', 'SIGTTOU'];
  const marks = [500, 1000, 1500, 2000];
  const tally = await load(port, 16, 3000, (done) => {
    if (signals.length > 0 && done >= (marks[0] ?? Infinity)) {
      marks.shift();
      r.kill(signals.shift() as NodeJS.Signals);
    }
  });
  assert.deepEqual(tally.failed, [], 'no request lost while workers left');
  assert.equal(tally.ok, 3000);
  assert.equal(signals.length, 0, 'every signal was sent under load');
  await r.waitFor(/Worker exiting/, { nth: 3 });
});

test(
  '-w 1 --max-requests: the worker keeps accepting after it reached its max, until its replacement has booted',
  BOUND,
  async (t) => {
    const r = runicorn(t, ['-w', '1', '--max-requests', '20', '-b', '127.0.0.1:0', example('pid.mjs')]);
    const port = await r.port();
    const first = (await until(port, '/', (x) => x.status === 200)).body;
    const firstLeft = new RegExp(`Worker exiting \\(pid: ${first}\\)`);
    // New connections one after another: once the test has seen "Autorestarting", a worker that
    // stopped accepting at that moment could answer none of them; one handing off answers them
    // until its replacement is up.
    let afterMax = 0;
    for (let i = 0; i < 5000 && !r.lines.some((l) => firstLeft.test(l)); i++) {
      const seenMax = r.lines.some((l) => /Autorestarting worker/.test(l));
      const reply = await get(port, '/');
      assert.equal(reply.status, 200);
      if (seenMax && reply.body === first) afterMax += 1;
    }
    assert.ok(afterMax > 0, 'new connections were still accepted by the retiring worker after it reached its max');
    const successor = r.lines.findIndex((l) => /Booting worker with pid: \d+$/.test(l) && !l.endsWith(`: ${first}`));
    const exitAt = r.lines.findIndex((l) => firstLeft.test(l));
    assert.ok(successor >= 0 && successor < exitAt, 'the successor booted before the first worker left');
  },
);
