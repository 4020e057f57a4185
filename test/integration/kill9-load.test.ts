/**
 * `kill -9` of a worker under steady keep-alive load, through the real CLI: a killed process
 * cannot finish what it was doing, so the requests in flight on it may fail (at most one per
 * client loop, each loop having one request outstanding), and nothing else may; the arbiter
 * boots a replacement, which serves, and from then on every request succeeds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { steadyLoad } from '../support/load';
import { example, isAlive, runicorn, until } from '../support/cli';

const BOUND = { timeout: 60_000 };
const CLIENTS = 8;

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
