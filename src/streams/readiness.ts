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
import { notify, type Command } from './commands';
import type { StepResult } from './step-result';

/** `READY=1`, the first time (since start or a HUP) that every wanted worker serves. */
export function announceReady(state: ArbiterState): StepResult {
  if (state.ready || state.phase !== 'running') return [state, []];
  const serving = state.workers.filter((w) => w.booted && !w.retiring).length;
  if (serving < state.target || state.target === 0 || state.reload) return [state, []];
  return [{ ...state, ready: true }, state.settings.notify ? [notify('READY=1')] : []];
}

/** A message for the service manager, only when it listens. */
export const tell = (state: ArbiterState, message: string): Command[] =>
  state.settings.notify ? [notify(message)] : [];
