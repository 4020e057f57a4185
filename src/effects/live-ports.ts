/**
 * The live arbiter ports: real child processes, real signals, the real error log and exit.
 *
 * This is the only file that wires `node:child_process` and `process.kill` into the arbiter.
 *
 * @example
 * runArbiter({ settings, ports: livePorts({ spawn: spawnOptions, logger, listeners }) });
 */
import type { WorkerRecord } from '../streams/arbiter-state';
import type { ArbiterPorts } from './arbiter-ports';
import { hookLog, runHookNow, type Hooks } from './hook-runner';
import { closeListeners, unlinkUnixSockets, type Listener } from './listeners';
import type { Logger } from './logger';
import { spawnWorker, type SpawnOptions } from './spawn-worker';

export interface LivePortsOptions {
  readonly spawn: SpawnOptions;
  readonly logger: Logger;
  readonly listeners: readonly Listener[];
  readonly hooks: Hooks;
  /** The resolved configuration, as hooks see it (`arbiter.config`). */
  readonly config: unknown;
  /** Run just before the process exits (pidfile removal). */
  readonly beforeExit?: () => void;
  /** Called with the exit code instead of `process.exit` (an arbiter run by `serve()` in a program). */
  readonly onExit?: (code: number) => void;
}

/** A worker as hooks see it. */
export const workerView = (w: WorkerRecord) => ({ pid: w.pid, age: w.id, booted: w.booted, aborted: w.aborted });

export function livePorts(options: LivePortsOptions): ArbiterPorts {
  const log = hookLog(options.logger);
  return {
    callHook(c) {
      const arbiter = { pid: process.pid, config: options.config, workers: c.workers.map(workerView), log };
      const args = c.worker ? [arbiter, workerView(c.worker), ...c.args] : [arbiter, ...c.args];
      return runHookNow(options.hooks, c.hook, options.logger, args);
    },
    spawn: (id, holdOutput) => spawnWorker(id, options.spawn, holdOutput),
    kill(pid, signal) {
      try {
        process.kill(pid, `SIG${signal}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    },
    closeListeners: () => closeListeners(options.listeners),
    log: (level, message) => options.logger.log(level, message),
    output: (text) => void (options.spawn.stderr ?? process.stderr).write(text),
    exit(code) {
      unlinkUnixSockets(options.listeners);
      options.beforeExit?.();
      if (options.onExit) options.onExit(code);
      else process.exit(code);
    },
  };
}
