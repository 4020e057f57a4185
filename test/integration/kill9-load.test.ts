/**
 * `kill -9` of a worker under steady keep-alive load, through the real CLI: a killed process
 * cannot finish what it was doing, so the requests in flight on it may fail (at most one per
 * client loop, each loop having one request outstanding), and nothing else may; the arbiter
 * boots a replacement, which serves, and from then on every request succeeds.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { example, isAlive, runicorn, until } from '../support/cli';

const BOUND = { timeout: 60_000 };
const CLIENTS = 8;

/** Keep-alive GETs from `clients` loops until `stop()`; answers (worker pids) and failures are kept. */
function steadyLoad(port: number, clients: number) {
  const bodies: string[] = [];
  const failed: string[] = [];
  const waiters = new Set<() => void>();
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (running) {
      await new Promise<void>((resolve) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            if (res.statusCode === 200) bodies.push(body);
            else failed.push(`status ${res.statusCode}`);
            resolve();
          });
          res.on('error', (err) => {
            failed.push(err.message);
            resolve();
          });
        });
        req.on('error', (err) => {
          failed.push((err as NodeJS.ErrnoException).code ?? err.message);
          resolve();
        });
      });
      for (const w of [...waiters]) w();
    }
    agent.destroy();
  });
  return {
    bodies,
    failed,
    /** Resolves once `n` more answers (or failures) have come back than when it was called. */
    more(n: number): Promise<void> {
      const target = bodies.length + failed.length + n;
      return new Promise((resolve) => {
        const check = () => {
          if (bodies.length + failed.length >= target) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
    },
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

test(
  'kill -9 of a worker under keep-alive load: only requests in flight on it fail, it is replaced, then all succeed',
  BOUND,
  async (t) => {
    const r = runicorn(t, ['-w', '3', '-b', '127.0.0.1:0', example('pid.mjs')]);
    const port = await r.port();
    await r.waitFor(/Booting worker with pid/, { nth: 3 });
    await until(port, '/', (x) => x.status === 200);
    const load = steadyLoad(port, CLIENTS);
    t.after(load.stop);
    await load.more(500);
    assert.deepEqual(load.failed, [], 'no failure before the kill');

    const [victim] = r.workerPids();
    assert.ok(victim !== undefined && isAlive(victim));
    const mark = r.lines.length;
    process.kill(victim, 'SIGKILL');
    const booted = await r.waitFor(/Booting worker with pid: (\d+)/, { from: mark });
    const replacement = Number(booted[1]);
    await until(port, '/', (x) => x.body === String(replacement));
    assert.ok(!isAlive(victim), 'the killed worker is gone');

    const lostToKill = [...load.failed];
    assert.ok(
      lostToKill.length <= CLIENTS,
      `at most one request per client loop was in flight on the killed worker; lost ${lostToKill.length}: ${lostToKill}`,
    );
    assert.ok(
      lostToKill.every((f) => /ECONNRESET|socket hang up|aborted/.test(f)),
      `only resets of connections the killed worker held: ${lostToKill}`,
    );

    await load.more(1000);
    await load.stop();
    assert.deepEqual(load.failed.slice(lostToKill.length), [], 'every request after the replacement booted succeeded');
    assert.equal(r.workerPids().filter(isAlive).length, 3, 'three workers again');
    assert.ok(isAlive(r.pid), 'the arbiter stays up');
  },
);
