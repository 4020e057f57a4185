/**
 * The live arbiter ports: real child processes, real signals, the real error log and exit.
 *
 * This is the only file that wires `node:child_process` and `process.kill` into the arbiter.
 *
 * @example
 * runArbiter({ settings, ports: livePorts({ spawn: spawnOptions, logger, listeners }) });
 */
import type { ArbiterPorts } from './arbiter-ports';
import { closeListeners, unlinkUnixSockets, type Listener } from './listeners';
import type { Logger } from './logger';
import { spawnWorker, type SpawnOptions } from './spawn-worker';

export interface LivePortsOptions {
  readonly spawn: SpawnOptions;
  readonly logger: Logger;
  readonly listeners: readonly Listener[];
}

export function livePorts(options: LivePortsOptions): ArbiterPorts {
  return {
    spawn: (id) => spawnWorker(id, options.spawn),
    kill(pid, signal) {
      try {
        process.kill(pid, `SIG${signal}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
    },
    closeListeners: () => closeListeners(options.listeners),
    log: (level, message) => options.logger.log(level, message),
    exit(code) {
      unlinkUnixSockets(options.listeners);
      process.exit(code);
    },
  };
}
