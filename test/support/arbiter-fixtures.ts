/**
 * Events and commands that many arbiter tests share, so each diagram spells out only what is
 * particular to its rule.
 *
 * @example
 * const event$ = hot('s---pqBC-u', { ...twoWorkersBoot, u: signal('USR1') });
 * expectObservable(event$.pipe(arbiter(s0))).toBe('(ab)hihi-…', { ...twoWorkersBooted, … });
 */
import { timerKey } from '../../src/streams/arbiter-state';
import { log, spawnWorker, startTimer } from '../../src/streams/commands';
import { heartbeatMissed, started, workerBooted, workerSpawned } from '../../src/streams/events';

/** Boot with two workers: `s` started, `p`/`q` workers 1 and 2 run as pids 101 and 102, `B`/`C` they boot. */
export const twoWorkersBoot = {
  s: started(),
  p: workerSpawned(1, 101),
  q: workerSpawned(2, 102),
  B: workerBooted(101),
  C: workerBooted(102),
};

/** The heartbeat deadline armed for `pid` (a 30 s `timeoutMs`). */
export const heartbeatTimer = (pid: number) => startTimer(timerKey.heartbeat(pid), 30_000, heartbeatMissed(pid));

/** What `twoWorkersBoot` yields: `(ab)` the spawns, `h`/`i` the heartbeat deadlines of 101 and 102. */
export const twoWorkersBooted = {
  a: spawnWorker(1),
  b: spawnWorker(2),
  h: heartbeatTimer(101),
  i: heartbeatTimer(102),
};

/** The line every signal gets first. */
export const heard = (sig: string) => log('info', `Handling signal: ${sig}`);
