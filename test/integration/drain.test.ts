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
import { example, runicorn, until } from '../support/cli';

const BOUND = { timeout: 60_000 };

interface Tally {
  ok: number;
  failed: string[];
  pids: Set<string>;
}

/** `total` GETs over `clients` keep-alive connections (one agent each), as fast as answers come. */
async function load(port: number, clients: number, total: number, onProgress?: (done: number) => void): Promise<Tally> {
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
      while (sent < total) {
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
  const tally = await load(port, 16, 3000);
  assert.deepEqual(tally.failed, [], 'no request lost while workers were recycled');
  assert.equal(tally.ok, 3000);
  assert.ok(r.lines.filter((l) => /Autorestarting worker/.test(l)).length >= 5, 'workers were recycled meanwhile');
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
