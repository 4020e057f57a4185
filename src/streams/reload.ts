/**
 * HUP: read the configuration again and hand the work over to new workers, losing no request.
 *
 * Gunicorn's `reload()`: the arbiter re-reads its configuration, spawns the configured number of
 * workers with it (they load the app afresh, so new code is served), and stops the old ones
 * gracefully. Here the old workers are not stopped at once: they keep serving (and accepting)
 * until every new worker has booted, then they are sent TERM and drain (the same hand-over as
 * `--max-requests`, in `on-worker.ts`). What goes further than Gunicorn:
 *
 * - a configuration that fails to load or validate is reported, and the running one stays;
 * - new workers that cannot load the app (exit 3 or 4) do not halt the arbiter during a reload:
 *   the reload is abandoned, they are stopped, and the old workers go on with the old
 *   configuration (`UseConfig`). New workers that exit before booting for another reason are in a
 *   crash loop (`crash-loop.ts`), and the old workers serve meanwhile;
 * - an old worker lost meanwhile (killed by its timeout, crashed) is replaced with one of the old
 *   configuration (`on-worker.ts`), so capacity does not dip while the new workers cannot boot.
 *
 * The effects load a configuration aside, by generation, and use it only once the step says
 * `UseConfig`: a configuration that loads during a stop, or after a newer one, is never used.
 *
 * @example
 * const [s1, cmds] = onConfigReloaded(s0, 1, { ...s0.settings, workers: 4 }); // 4 × spawnWorker
 */
import { noBackoff, timerKey, type ArbiterSettings, type ArbiterState, type WorkerRecord } from './arbiter-state';
import { cancelTimer, killWorker, log, reloadConfig, useConfig, type Command } from './commands';
import { hook } from './hooks';
import { announceReady, tell } from './readiness';
import { reconcile } from './reconcile';
import { chain, type StepResult } from './step-result';

/** HUP while running: ask the effects to read the configuration again, as the next generation. */
export function onHup(state: ArbiterState): StepResult {
  if (state.phase !== 'running') return [state, []];
  const generation = state.reloads + 1;
  return [
    { ...state, reloads: generation, ready: false },
    [log('info', 'Hang up: Master'), ...tell(state, 'RELOADING=1'), reloadConfig(generation)],
  ];
}

/**
 * The configuration loaded: it is the one in use from now on (`UseConfig`), and every serving
 * worker hands over to new ones spawned with it.
 *
 * Workers that count but do not serve the configuration that last served fully are stopped at
 * once instead: those still booting (they serve nothing yet), and, when this HUP replaces a
 * reload under way, that reload's workers. So the hand-off workers are always the ones to fall
 * back to if this reload is abandoned. A crash-loop wait is over: the new configuration may be
 * the fix, so its workers are all spawned now. A configuration older than the one in use (two
 * HUPs whose files loaded out of order) is not applied: the newest wins.
 */
export function onConfigReloaded(state: ArbiterState, generation: number, settings: ArbiterSettings): StepResult {
  if (state.phase !== 'running') return [state, []];
  // The effects keep a loaded configuration aside until `UseConfig`, so one not used needs nothing.
  if (generation < state.generation)
    return [state, [log('info', `Ignored configuration ${generation}: a newer one is in use`)]];
  const reload = state.reload ?? {
    fallbackGeneration: state.generation,
    fallbackSettings: state.settings,
    fallbackTarget: state.target,
  };
  const superseded = (w: WorkerRecord) => !w.retiring && (!w.booted || state.reload !== undefined);
  const stops: Command[] = state.workers.flatMap((w) =>
    superseded(w) && w.pid !== undefined ? [killWorker(w.pid, 'TERM')] : [],
  );
  const workers = state.workers.map((w) =>
    w.retiring
      ? w
      : superseded(w)
        ? { ...w, retiring: true, leaving: 'reload' as const }
        : { ...w, retiring: true, handoff: true, leaving: 'reload' as const },
  );
  const waited = state.backoff.waiting > 0;
  const backoff = waited || state.backoff.level > 0 ? noBackoff : state.backoff;
  const next: ArbiterState = { ...state, settings, target: settings.workers, generation, reload, workers, backoff };
  const commands: Command[] = [
    log('info', `Reloaded the configuration: ${settings.workers} new worker(s) take over once booted`),
    // Before its hooks and spawns: they run with the new configuration (Gunicorn's on_reload does).
    useConfig(generation),
    ...(settings.workers !== state.target
      ? hook(next, 'nworkersChanged', undefined, [settings.workers, state.target])
      : []),
    ...hook(next, 'onReload'),
    ...stops,
    ...(waited ? [cancelTimer(timerKey.respawn)] : []),
  ];
  return chain([next, commands], reconcile);
}

/** The configuration did not load: say why, and keep everything as it is. */
export function onConfigReloadFailed(state: ArbiterState, reason: string): StepResult {
  if (state.phase !== 'running') return [state, []];
  return chain([state, [log('error', `Reload failed: ${reason}; keeping the running configuration`)]], announceReady);
}

/** An old worker of an abandoned reload serves on: no longer leaving. */
function stay(w: WorkerRecord): WorkerRecord {
  const { leaving, ...rest } = w;
  return leaving === undefined
    ? { ...w, retiring: false, handoff: false }
    : { ...rest, retiring: false, handoff: false };
}

/**
 * A new worker cannot load the app (exit 3 or 4) during a reload: stop the new workers, give the
 * old ones their place back, and spawn with the old configuration again.
 */
export function abandonReload(state: ArbiterState, reason: string): StepResult {
  const { reload } = state;
  if (!reload) return [state, []];
  // The previous configuration first, so that this line goes to its logs, which stay in use.
  const commands: Command[] = [
    useConfig(reload.fallbackGeneration),
    log('error', `Reload failed: ${reason}; the workers of the previous configuration keep serving`),
  ];
  for (const w of state.workers) if (!w.retiring && w.pid !== undefined) commands.push(killWorker(w.pid, 'TERM'));
  // The old workers serve on, except those that asked to be replaced (max-requests): they keep
  // handing off, and are sent TERM once their replacements have booted.
  const workers = state.workers.map((w) =>
    w.handoff && !w.recycle ? stay(w) : w.retiring ? w : { ...w, retiring: true, leaving: 'reload' as const },
  );
  const next: ArbiterState = {
    ...state,
    workers,
    settings: reload.fallbackSettings,
    target: reload.fallbackTarget,
    generation: reload.fallbackGeneration,
    reload: undefined,
  };
  return chain([next, commands], reconcile, announceReady);
}
