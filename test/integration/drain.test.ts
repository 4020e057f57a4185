/**
 * Draining loses no request, through the real CLI under steady keep-alive load: workers recycled
 * by --max-requests and retired by TTOU finish what they have, answer further requests on their
 * open connections with `Connection: close`, and never close a connection a client may be
 * writing to. Every request of a bounded load must come back 200; before this rule, closing idle
 * keep-alive connections at the start of a drain reset the clients sending on them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { example, get, runicorn, until } from '../support/cli';
import { steadyLoad } from '../support/load';

const BOUND = { timeout: 60_000 };

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
  const load = steadyLoad(port, 16, { total: 50_000 });
  t.after(load.stop);
  await r.waitFor(/Worker exiting/, { nth: 4, timeoutMs: 50_000 });
  await load.stop();
  assert.deepEqual(load.failed, [], 'no request lost while workers were recycled');
  assert.ok(recycled() >= 4, `4 workers recycled under load (${load.bodies.length} requests)`);
});

test('TTOU and TTIN under keep-alive load: every request answered 200', BOUND, async (t) => {
  const r = runicorn(t, ['-w', '3', '-b', '127.0.0.1:0', example('pid.mjs')]);
  const port = await r.port();
  // Every worker has its signal handlers once it says it boots: a TTOU then stops the oldest
  // gracefully, never one that Node would end at once on its TERM.
  await r.waitFor(/Booting worker with pid/, { nth: 3 });
  await until(port, '/', (x) => x.status === 200);
  const signals: NodeJS.Signals[] = ['SIGTTOU', 'SIGTTOU', 'SIGTTIN', 'SIGTTOU'];
  const load = steadyLoad(port, 16, { total: 3000 });
  t.after(load.stop);
  // A signal every 500 answers, while the load runs.
  const sentAt: number[] = [];
  for (const sig of signals) {
    await load.more(500);
    sentAt.push(load.bodies.length + load.failed.length);
    r.kill(sig);
  }
  await load.finished();
  assert.deepEqual(load.failed, [], 'no request lost while workers left');
  assert.equal(load.bodies.length, 3000);
  assert.ok(sentAt.length === signals.length && sentAt.every((n) => n < 3000), 'every signal was sent under load');
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
