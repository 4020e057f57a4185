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
    debug: at('debug'),
    info: at('info'),
    warning: at('warning'),
    warn: at('warning'),
    error: at('error'),
    exception: at('error'),
    critical: at('critical'),
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

/**
 * Like `runHook`, but a synchronous hook runs and returns synchronously: only a hook that
 * returns a promise makes the caller wait.
 *
 * Why: the arbiter's interpreter waits for a hook before the commands after it. With a promise
 * for every hook, a synchronous one would still yield to the microtask queue, so a marble test
 * in virtual time (where nothing waits for promises) could not run the user's hooks at all.
 *
 * @example
 * const pending = runHookNow(hooks, 'childExit', logger, [arbiterView, workerView]);
 * if (pending) await pending;
 */
export function runHookNow(
  hooks: Hooks,
  name: string,
  logger: Logger,
  args: readonly unknown[],
): Promise<void> | undefined {
  const fn = hooks[name];
  if (typeof fn !== 'function') return undefined;
  const failed = (err: unknown) => logger.log('error', `Hook ${name} failed: ${errorStack(err)}`);
  try {
    const result = (fn as (...a: readonly unknown[]) => unknown)(...args);
    if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
      return Promise.resolve(result as PromiseLike<unknown>).then(() => undefined, failed);
    }
  } catch (err) {
    failed(err);
  }
  return undefined;
}
