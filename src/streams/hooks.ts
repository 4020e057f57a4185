/**
 * A `CallHook` command when, and only when, the configuration defines that hook: a config without
 * hooks yields exactly the commands it did before hooks existed.
 *
 * @example
 * const [s1, cmds] = [s, [...hook(s, 'preFork', worker), spawnWorker(worker.id)]];
 */
import type { ArbiterState, WorkerRecord } from './arbiter-state';
import { callHook, type ArbiterHook, type Command } from './commands';

export function hook(
  state: ArbiterState,
  name: ArbiterHook,
  worker?: WorkerRecord,
  args: readonly unknown[] = [],
): Command[] {
  return state.settings.hooks.includes(name) ? [callHook(name, state.workers, worker, args)] : [];
}
