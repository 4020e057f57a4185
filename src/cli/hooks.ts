/**
 * The server hooks, by name, out of a resolved configuration.
 *
 * @example
 * hooksOf(config).whenReady?.(arbiter);
 */
import type { Hooks } from '../effects/hook-runner';
import { ARBITER_HOOKS, type ArbiterHook } from '../streams/commands';
import { allSettings } from './settings/index';

/** The hooks runicorn calls: the registry's Server Hooks that are supported (sslContext runs in the workers). */
export const HOOK_NAMES: readonly string[] = allSettings()
  .filter(([, s]) => s.section === 'Server Hooks' && s.support.state === 'supported')
  .map(([, s]) => s.name);

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
export const arbiterHooksIn = (hooks: Hooks): ArbiterHook[] =>
  ARBITER_HOOKS.filter((h) => typeof hooks[h] === 'function');
