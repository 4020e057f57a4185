// USR1 and WINCH sent to a real arbiter: USR1 reopens the logs everywhere and nothing dies;
// WINCH stops every worker gracefully while the arbiter keeps its listener, and TTIN brings a
// worker back on the same port (a connection made meanwhile waits in the backlog and is served).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixture, get, isAlive, runicorn, until } from '../support/cli';

/** Wait until `n` different workers have answered on `port`; their pids. */
async function servingPids(port: number, n: number): Promise<number[]> {
  const seen = new Set<number>();
  await until(
    port,
    '/',
    (reply) => {
      if (reply.status === 200) seen.add(Number(reply.body));
      return seen.size === n;
    },
    5000,
  );
  return [...seen].sort();
}

test('USR1: "Reopening log files" in the arbiter and in each worker; the same workers serve on', async (t) => {
  const r = runicorn(t, ['-w', '2', '--log-level', 'debug', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await r.waitFor(/Booting worker with pid/, { nth: 2 });
  const before = await servingPids(port, 2);
  assert.deepEqual(before, r.workerPids().sort());
  const mark = r.lines.length;
  r.kill('SIGUSR1');
  await r.waitFor(/Handling signal: usr1/, { from: mark });
  for (const pid of [r.pid, ...before])
    await r.waitFor(new RegExp(`\\[${pid}\\] \\[DEBUG\\] Reopening log files`), { from: mark });
  assert.deepEqual(await servingPids(port, 2), before, 'the same two workers still serve');
  assert.ok(isAlive(r.pid));
  const since = r.lines.slice(mark).join('\n');
  assert.doesNotMatch(since, /Booting worker|Worker exiting|was sent SIG|Debugger listening/);
});

test('WINCH with -w 2: both workers exit, the arbiter stays up; TTIN serves again on the same port', async (t) => {
  const r = runicorn(t, ['-w', '2', '-b', '127.0.0.1:0', fixture('app.mjs')]);
  const port = await r.port();
  await r.waitFor(/Booting worker with pid/, { nth: 2 });
  const [a, b] = await servingPids(port, 2);
  const mark = r.lines.length;
  r.kill('SIGWINCH');
  await r.waitFor(/Handling signal: winch/, { from: mark });
  await r.waitFor(/Graceful stop of workers/, { from: mark });
  await r.waitFor(new RegExp(`Worker exiting \\(pid: ${a}\\)`), { from: mark });
  await r.waitFor(new RegExp(`Worker exiting \\(pid: ${b}\\)`), { from: mark });
  assert.ok(!isAlive(a as number) && !isAlive(b as number), 'both workers are gone');
  assert.ok(isAlive(r.pid), 'the arbiter is alive');
  assert.doesNotMatch(r.lines.slice(mark).join('\n'), /Booting worker/, 'no worker replaced them');
  // The listener is still bound and listening: this request waits in the backlog for a worker.
  const waiting = get(port, '/');
  const revived = r.lines.length;
  r.kill('SIGTTIN');
  const booted = await r.waitFor(/Booting worker with pid: (\d+)/, { from: revived });
  const fresh = Number(booted[1]);
  const queued = await waiting;
  assert.equal(queued.status, 200);
  assert.equal(Number(queued.body), fresh, 'the request made while no worker was up is served by the new one');
  const reply = await get(port, '/');
  assert.equal(Number(reply.body), fresh);
});
