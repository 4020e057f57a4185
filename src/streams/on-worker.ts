/**
 * What the arbiter does when a worker reports in: spawned, booted, alive, failing, or gone.
 *
 * Gunicorn's `reap_workers` and `murder_workers` live here. Exit code 3 (boot error) and 4 (app
 * load error) halt the arbiter with that code instead of respawning in a loop. Any other exit of
 * a worker that had booted is a fault: it is replaced at once. A worker that exits before it has
 * booted is in a crash loop: it is respawned after a wait that grows (`crash-loop.ts`).
 *
 * @example
 * const [s1, cmds] = onWorkerExited(s0, 4242, 4, null); // halts with code 4
 */
import {
  findByPid,
  newWorker,
  removeWorker,
  timerKey,
  updateWorker,
  type ArbiterState,
  type WorkerRecord,
} from './arbiter-state';
import {
  cancelTimer,
  countRestart,
  killWorker,
  log,
  showOutput,
  spawnWorker,
  startTimer,
  type Command,
  type LogLevel,
  type RestartReason,
} from './commands';
import { failureOf, isRepeat, retryLater, watchStable } from './crash-loop';
import { heartbeatMissed, killDeadlineElapsed } from './events';
import { hook } from './hooks';
import { ExitCode } from './exit-codes';
import { handOver, reconcile } from './reconcile';
import { announceReady } from './readiness';
import { abandonReload } from './reload';
import { beginStop, finishIfDone } from './shutdown';
import { chain, type StepResult } from './step-result';

/** (Re)arm the heartbeat deadline of `pid`; nothing when timeouts are off. */
const armHeartbeat = (state: ArbiterState, pid: number): Command[] =>
  state.settings.timeoutMs > 0
    ? [startTimer(timerKey.heartbeat(pid), state.settings.timeoutMs, heartbeatMissed(pid))]
    : [];

export function onWorkerSpawned(state: ArbiterState, id: number, pid: number): StepResult {
  const known = state.workers.find((w) => w.id === id);
  // A spawn the arbiter no longer wants (it gave up on it) must not run unsupervised.
  if (!known) return [state, [killWorker(pid, 'KILL')]];
  const next = updateWorker(state, id, (w) => ({ ...w, pid }));
  const commands = armHeartbeat(state, pid);
  if (state.phase === 'stopping' && state.stopping) {
    commands.push(killWorker(pid, state.stopping.killed ? 'KILL' : state.stopping.graceful ? 'TERM' : 'QUIT'));
  } else if (known.retiring && !known.handoff) {
    // Given up before it ran (superseded by a HUP, or a reload completed meanwhile). A worker
    // still handing off (an old worker's replacement during a reload) serves until TERM.
    commands.push(killWorker(pid, 'TERM'));
  }
  return [next, commands];
}

export function onWorkerSpawnFailed(state: ArbiterState, id: number, reason: string): StepResult {
  if (!state.workers.some((w) => w.id === id)) return [state, []];
  const next = removeWorker(state, id);
  const logged: StepResult = [next, [log('error', `Could not spawn worker: ${reason}`)]];
  if (state.phase === 'stopping') return chain(logged, finishIfDone);
  return chain(logged, (s) =>
    beginStop(s, { graceful: true, code: ExitCode.WorkerBootError, reason: 'Worker failed to boot.' }),
  );
}

export function onWorkerBooted(state: ArbiterState, pid: number): StepResult {
  const w = findByPid(state, pid);
  if (!w) return [state, []];
  return chain(
    [
      updateWorker(state, w.id, (r) => ({ ...r, booted: true })),
      // Only a worker of the configuration in use can end a crash loop of that configuration.
      [...armHeartbeat(state, pid), ...(w.generation === state.generation ? watchStable(state, pid) : [])],
    ],
    handOver,
    announceReady,
  );
}

/**
 * A worker leaves on its own: it no longer counts towards the target, so its replacement is
 * spawned now. After a fault it is already draining; at max-requests (`handoff`) it serves on
 * and is sent TERM once the workers that count have all booted, so capacity never dips.
 */
export function onWorkerRetiring(state: ArbiterState, pid: number, handoff: boolean): StepResult {
  const w = findByPid(state, pid);
  if (!w || state.phase !== 'running') return [state, []];
  // Already handing off (a reload): only remember that it asked, so no abandon revives it.
  if (w.retiring) return [handoff ? updateWorker(state, w.id, (r) => ({ ...r, recycle: true })) : state, []];
  return reconcile(updateWorker(state, w.id, (r) => ({ ...r, retiring: true, handoff, recycle: handoff })));
}

export function onHeartbeat(state: ArbiterState, pid: number): StepResult {
  const w = findByPid(state, pid);
  if (!w || w.aborted) return [state, []];
  return [state, armHeartbeat(state, pid)];
}

export function onWorkerFailed(state: ArbiterState, pid: number, reason: string): StepResult {
  const w = findByPid(state, pid);
  if (!w) return [state, []];
  // Not logged here: the reason becomes the stop's `Reason:` line, so it is said once.
  return [updateWorker(state, w.id, (r) => ({ ...r, failure: reason })), []];
}

/** `murder_workers`: SIGABRT first, SIGKILL if the worker is still there after the abort grace. */
export function onHeartbeatMissed(state: ArbiterState, pid: number): StepResult {
  const w = findByPid(state, pid);
  if (!w || w.aborted || state.phase !== 'running') return [state, []];
  return [
    updateWorker(state, w.id, (r) => ({ ...r, aborted: true })),
    [
      log('critical', `WORKER TIMEOUT (pid:${pid})`),
      killWorker(pid, 'ABRT'),
      startTimer(timerKey.kill(pid), state.settings.abortGraceMs, killDeadlineElapsed(pid)),
    ],
  ];
}

export function onKillDeadline(state: ArbiterState, pid: number): StepResult {
  return findByPid(state, pid) ? [state, [killWorker(pid, 'KILL')]] : [state, []];
}

/**
 * `reap_workers`: forget the worker, show what it printed while booting (unless it repeats the
 * last failure), say how it ended, then halt, finish, back off or respawn.
 */
export function onWorkerExited(
  state: ArbiterState,
  pid: number,
  code: number | null,
  signal: string | null,
  output = '',
  outputShown = false,
): StepResult {
  const w = findByPid(state, pid);
  if (!w) return [state, [log('debug', `Reaped unknown process (pid:${pid})`)]];
  const next = removeWorker(state, w.id);
  // A worker already asked to leave (the new workers of an abandoned reload) halts nothing.
  const halt = w.retiring ? undefined : haltReason(w, code);
  const bootFailure =
    !w.booted && !w.retiring && !halt && next.phase === 'running' ? failureOf(code, signal, output) : undefined;
  const repeat = bootFailure !== undefined && isRepeat(state.backoff, bootFailure);
  // A repeat is one line: Gunicorn's exit sentence, then the count (see retryLater).
  const exitLine = describeExit(pid, code, signal);
  // Only a worker that went while the arbiter runs on is a restart (not one a stop or halt ends).
  const restart =
    state.settings.instrument && next.phase === 'running' && !halt ? restartReason(w, code, signal) : undefined;
  const commands: Command[] = [
    cancelTimer(timerKey.heartbeat(pid)),
    cancelTimer(timerKey.kill(pid)),
    ...(output !== '' && !repeat && !outputShown ? [showOutput(pid, output)] : []),
    ...(repeat ? [] : [exitLine]),
    ...hook(next, 'childExit', w),
    ...(restart ? [countRestart(restart)] : []),
  ];
  if (next.phase === 'stopping') return chain([next, commands], finishIfDone);
  // During a reload, new workers that cannot load the app abandon the reload, not the server.
  if (halt && next.reload) return chain([next, commands], (s) => abandonReload(s, halt.reason));
  if (halt) return chain([next, commands], (s) => beginStop(s, halt));
  if (bootFailure !== undefined)
    return chain([next, commands], (s) => retryLater(s, pid, bootFailure, exitLine.message), reconcile);
  return chain([next, commands], (s) => replaceOld(s, w), reconcile);
}

/**
 * An old worker of a reload under way is lost (its timeout killed it, it crashed) before the new
 * workers have taken over: spawn one of the old configuration in its place, handing off like it.
 *
 * Why: the new workers may be slow to boot or in a crash loop, and without this the old
 * configuration's capacity would dip until the reload completes or is abandoned. The replacement
 * is one of the old set: it does not count towards the target (so the reload still completes once
 * the new workers have booted, and it is sent TERM then), and an abandoned reload keeps it. Only a
 * worker that had booted is replaced: a replacement that dies while booting is not replaced again,
 * so the old configuration cannot loop outside the crash-loop rules.
 */
function replaceOld(state: ArbiterState, gone: WorkerRecord): StepResult {
  const { reload } = state;
  if (!reload || state.phase !== 'running' || !gone.handoff || gone.leaving !== 'reload' || !gone.booted)
    return [state, []];
  const w: WorkerRecord = {
    ...newWorker(state.lastId + 1, reload.fallbackGeneration),
    retiring: true,
    handoff: true,
    leaving: 'reload',
  };
  const next: ArbiterState = { ...state, lastId: w.id, workers: state.workers.concat(w) };
  return [
    next,
    [
      log('info', `Replacing worker (pid:${gone.pid}) with the previous configuration until the reload completes`),
      ...hook(state, 'preFork', w),
      spawnWorker(w.id, false, reload.fallbackGeneration),
    ],
  ];
}

/**
 * Why worker `w` went, as the restart metric names it; undefined for a worker TTOU or WINCH asked
 * to leave (nothing replaces it, so it is no restart). What the arbiter decided comes first (a
 * timeout kill, a max-requests hand-off, a reload), then how the process ended.
 *
 * @example
 * restartReason({ ...newWorker(1), booted: true }, null, 'KILL') // 'crash'
 */
export function restartReason(w: WorkerRecord, code: number | null, signal: string | null): RestartReason | undefined {
  if (w.aborted) return 'timeout';
  if (w.recycle) return 'max_requests';
  // Still handing off (not yet sent TERM): it was serving, and its end is its own.
  if (w.leaving === 'reload' && !w.handoff) return 'reload';
  if (w.leaving === 'scale') return undefined;
  if (signal !== null || code !== 0 || !w.booted) return 'crash';
  return 'exit';
}

function haltReason(w: WorkerRecord, code: number | null) {
  if (code === ExitCode.WorkerBootError) return { graceful: true, code, reason: w.failure ?? 'Worker failed to boot.' };
  if (code === ExitCode.AppLoadError) return { graceful: true, code, reason: w.failure ?? 'App failed to load.' };
  return undefined;
}

function describeExit(pid: number, code: number | null, signal: string | null): Extract<Command, { type: 'Log' }> {
  const line = (level: LogLevel, message: string) => ({ type: 'Log', level, message }) as const;
  if (signal) {
    const name = signal.startsWith('SIG') ? signal : `SIG${signal}`;
    if (name === 'SIGKILL') return line('error', `Worker (pid:${pid}) was sent SIGKILL! Perhaps out of memory?`);
    return line(name === 'SIGTERM' ? 'info' : 'warning', `Worker (pid:${pid}) was sent ${name}!`);
  }
  if (code) return line('error', `Worker (pid:${pid}) exited with code ${code}.`);
  return line('info', `Worker exiting (pid: ${pid})`);
}
