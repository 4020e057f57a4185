/**
 * The live arbiter ports: real child processes, real signals, the real error log and exit.
 *
 * This is the only file that wires `node:child_process` and `process.kill` into the arbiter.
 *
 * @example
 * runArbiter({ settings, ports: livePorts({ spawn: spawnOptions, logger, listeners }) });
 */
import { spawn } from 'node:child_process';
import type { ArbiterSettings, WorkerRecord } from '../streams/arbiter-state';
import type { ArbiterPorts } from './arbiter-ports';
import { errorLine } from './error-text';
import { hookLog, runHookNow, type Hooks } from './hook-runner';
import { closeListeners, unlinkUnixSockets, type Listener } from './listeners';
import type { Logger } from './logger';
import { spawnWorker, type SpawnOptions } from './spawn-worker';
import { reportReady, spawnArbiter, type SpawnArbiterOptions } from './upgrade';

/** What a configuration means to the live ports: how to spawn, and the hooks with their `config`. */
export interface LiveConfig {
  readonly spawn: SpawnOptions;
  readonly hooks: Hooks;
  /** The resolved configuration, as hooks see it (`arbiter.config`). */
  readonly config: unknown;
  /**
   * Make it the arbiter's own configuration (its logs, metrics and environment), once the step
   * says it is in use (`UseConfig`); not when its file loads, since the step may never use it.
   */
  readonly activate?: () => void;
}

export interface LivePortsOptions extends LiveConfig {
  readonly logger: Logger;
  readonly listeners: readonly Listener[];
  /**
   * Read the configuration again (HUP): the new live configuration and the arbiter settings it
   * means; rejects with a one-line reason. Without it, HUP is refused.
   */
  readonly reload?: () => Promise<LiveConfig & { readonly settings: ArbiterSettings }>;
  /** USR1: reopen the arbiter's log files. */
  readonly reopenLogs?: () => void;
  /** Run just before the process exits (pidfile removal). */
  readonly beforeExit?: () => void;
  /**
   * USR2: how to start a new arbiter (the command line and environment this one started with).
   * Without it, USR2 is refused with a log line (an arbiter run by `serve()`).
   */
  readonly upgrade?: Omit<SpawnArbiterOptions, 'listeners'>;
  /** In a new arbiter whose old one has exited: take over the pid file. */
  readonly promote?: () => void;
  /** Called with the exit code instead of `process.exit` (an arbiter run by `serve()` in a program). */
  readonly onExit?: (code: number) => void;
  /** Worker counts and restarts, for StatsD and Prometheus (`arbiter-metrics.ts`). */
  readonly metric?: ArbiterPorts['metric'];
}

/** A worker as hooks see it. */
export const workerView = (w: WorkerRecord) => ({ pid: w.pid, age: w.id, booted: w.booted, aborted: w.aborted });

export function livePorts(options: LivePortsOptions): ArbiterPorts {
  const log = hookLog(options.logger);
  // Every configuration loaded so far, by generation (0 at boot, one more per HUP): a worker is
  // spawned with the one its command names (an old worker's replacement during a reload runs the
  // old one), and an abandoned reload goes back. `current` is the one the step said is in use
  // (`UseConfig`): hooks and worker output follow it. A loaded file only waits here until then,
  // since the step may not accept it (a stop began, a newer one won).
  const generations = new Map<number, LiveConfig>([[0, options]]);
  let current: LiveConfig = options;
  const { reload, upgrade } = options;
  return {
    callHook(c) {
      const arbiter = { pid: process.pid, config: current.config, workers: c.workers.map(workerView), log };
      const args = c.worker ? [arbiter, workerView(c.worker), ...c.args] : [arbiter, ...c.args];
      return runHookNow(current.hooks, c.hook, options.logger, args);
    },
    spawn: (id, holdOutput, generation) => spawnWorker(id, (generations.get(generation) ?? current).spawn, holdOutput),
    ...(reload
      ? {
          async reload(generation: number) {
            const next = await reload();
            generations.set(generation, next);
            return next.settings;
          },
        }
      : {}),
    notify(message) {
      // Node's dgram has no AF_UNIX datagrams; systemd's own tool sends them (NotifyAccess=all).
      // MAINPID goes with every message: after a USR2 the main process is the new arbiter.
      if (!process.env.NOTIFY_SOCKET) return;
      const tool = spawn('systemd-notify', [`MAINPID=${process.pid}`, ...message.split('\n')], { stdio: 'ignore' });
      tool.once('error', (err) => options.logger.log('warning', `cannot tell systemd ${message}: ${err.message}`));
      tool.unref();
    },
    useConfig(generation) {
      const next = generations.get(generation);
      if (next === undefined || next === current) return;
      current = next;
      try {
        next.activate?.();
      } catch (err) {
        options.logger.log('error', `Configuration ${generation} is in use, but not all of it: ${errorLine(err)}`);
      }
    },
    kill(pid, signal) {
      try {
        process.kill(pid, `SIG${signal}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    },
    closeListeners: () => closeListeners(options.listeners),
    ...(options.reopenLogs ? { reopenLogs: options.reopenLogs } : {}),
    log: (level, message) => options.logger.log(level, message),
    output(text) {
      if (current.spawn.capture) current.spawn.capture(text);
      else (current.spawn.stderr ?? process.stderr).write(text);
    },
    ...(upgrade ? { spawnArbiter: () => spawnArbiter({ ...upgrade, listeners: options.listeners }) } : {}),
    reportReady,
    ...(options.promote ? { promote: options.promote } : {}),
    ...(options.metric ? { metric: options.metric } : {}),
    exit(code, keepSockets) {
      // Another arbiter still serves on them (USR2): their socket files stay.
      if (!keepSockets) unlinkUnixSockets(options.listeners);
      options.beforeExit?.();
      if (options.onExit) options.onExit(code);
      else process.exit(code);
    },
  };
}
