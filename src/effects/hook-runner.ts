/**
 * Runs the user's server hooks: awaited, and never fatal. A hook that throws or rejects is
 * logged with its name and the process carries on, in the arbiter and in workers alike.
 *
 * Hooks receive Gunicorn-shaped objects: the arbiter (`pid`, `config`, `workers`, `log`) and
 * workers (`pid`, `age`, `booted`, `log`, …), with `log.info(msg)`-style methods.
 *
 * @example
 * await runHook(hooks, 'whenReady', logger, [arbiterView]);
 */
import type { LogLevel } from '../streams/commands';
import type { Logger } from './logger';
import { errorStack } from './error-text';

/** Hook functions by camelCase name. */
export type Hooks = Readonly<Record<string, ((...args: never[]) => unknown) | null | undefined>>;

/** The `log` object hooks get: one method per level. */
export type HookLog = Readonly<Record<LogLevel | 'warn' | 'exception', (message: string) => void>>;

export function hookLog(logger: Logger): HookLog {
  const at = (level: LogLevel) => (message: string) => logger.log(level, String(message));
  return {
    debug: at('debug'), info: at('info'), warning: at('warning'), warn: at('warning'),
    error: at('error'), exception: at('error'), critical: at('critical'),
  };
}

/** Call `hooks[name](...args)` if it exists and wait for it; log a failure with the hook's name. */
export async function runHook(hooks: Hooks, name: string, logger: Logger, args: readonly unknown[]): Promise<void> {
  const fn = hooks[name];
  if (typeof fn !== 'function') return;
  try {
    await (fn as (...a: readonly unknown[]) => unknown)(...args);
  } catch (err) {
    logger.log('error', `Hook ${name} failed: ${errorStack(err)}`);
  }
}
