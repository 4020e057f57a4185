/**
 * The server hooks, by name, out of a resolved configuration.
 *
 * @example
 * hooksOf(config).whenReady?.(arbiter);
 */
import type { ArbiterHook } from '../streams/commands';
import type { Hooks } from '../effects/hook-runner';

export const ARBITER_HOOKS: readonly ArbiterHook[] = ['whenReady', 'preFork', 'childExit', 'nworkersChanged', 'onExit', 'onReload', 'preExec'];

export const HOOK_NAMES = [
  'onStarting', 'onReload', 'whenReady', 'preFork', 'postFork', 'postWorkerInit', 'workerInt', 'workerAbort',
  'preExec', 'preRequest', 'postRequest', 'childExit', 'workerExit', 'nworkersChanged', 'onExit',
] as const;

/** The hook functions a configuration (or a config-file layer) defines. */
export function hooksOf(values: Readonly<Record<string, unknown>>): Hooks {
  const out: Record<string, (...args: never[]) => unknown> = {};
  for (const name of HOOK_NAMES) {
    const fn = values[name];
    if (typeof fn === 'function') out[name] = fn as (...args: never[]) => unknown;
  }
  return out;
}

/** The arbiter-side hooks that are defined, for the pure arbiter's settings. */
export const arbiterHooksIn = (hooks: Hooks): ArbiterHook[] => ARBITER_HOOKS.filter((h) => typeof hooks[h] === 'function');
