/**
 * What the arbiter tells its service manager (systemd's `sd_notify`), as pure rules.
 *
 * `READY=1` once every wanted worker has booted (serving, not merely started); `RELOADING=1` on
 * HUP, then `READY=1` again once the new workers have taken over (or the reload was given up);
 * `STOPPING=1` when a stop begins. Only when the setting `notify` is on (the effects set it when
 * `NOTIFY_SOCKET` is there), so an arbiter outside systemd never sees a `Notify` command.
 *
 * @example
 * const [s1, cmds] = announceReady(s0); // [notify('READY=1')] once all workers have booted
 */
import type { ArbiterState } from './arbiter-state';
import { notify, reportReady, type Command } from './commands';
import type { StepResult } from './step-result';

/** `READY=1`, the first time (since start or a HUP) that every wanted worker serves. */
export function announceReady(state: ArbiterState): StepResult {
  if (state.ready || state.phase !== 'running') return [state, []];
  const serving = state.workers.filter((w) => w.booted && !w.retiring).length;
  if (serving < state.target || state.target === 0 || state.reload) return [state, []];
  const next: ArbiterState = { ...state, ready: true };
  // A new arbiter (USR2) also tells the old one, which says so in its log.
  return [next, [...tell(next, 'READY=1'), ...(state.parent === undefined ? [] : [reportReady()])]];
}

/**
 * A message for the service manager, only when it listens, and only from the arbiter systemd
 * takes as the service's main process (the effects send `MAINPID=` with each message): not from
 * an old arbiter once the new one is ready, nor from a new one before it is.
 */
export const tell = (state: ArbiterState, message: string): Command[] => {
  const handedOver = state.upgrade?.ready === true;
  const notYet = state.parent !== undefined && !state.ready;
  return state.settings.notify && !handedOver && !notYet ? [notify(message)] : [];
};
