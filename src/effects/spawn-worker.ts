/**
 * Starts one worker process and reports its life as arbiter events.
 *
 * The listening fds go in the `stdio` array at 3, 4, … (the worker calls `listen({fd})`), and an
 * IPC channel sits after them for `booted`, heartbeats and failure reasons. Workers are spawned,
 * never `cluster.fork()`ed: a cluster worker's `listen({fd})` would be routed to the primary.
 *
 * @example
 * spawnWorker(1, options).subscribe(feedBack) // workerSpawned, workerBooted, heartbeats…, workerExited
 */
import { spawn } from 'node:child_process';
import { Observable } from 'rxjs';
import {
  heartbeatReceived, workerBooted, workerExited, workerFailed, workerSpawned, workerSpawnFailed,
  type ArbiterEvent,
} from '../streams/events';
import { encodeWorkerOptions, WORKER_ENV, type WorkerMessage, type WorkerOptions } from './worker-options';

export interface SpawnOptions {
  /** The worker entry script. */
  readonly entry: string;
  /** Extra arguments for `node` (e.g. `--enable-source-maps`). */
  readonly nodeArgs: readonly string[];
  /** The arbiter's listening fds, in order. */
  readonly fds: readonly number[];
  readonly worker: Omit<WorkerOptions, 'listenerFds' | 'id' | 'maxRequests'>;
  readonly maxRequests: number;
  /** Added to maxRequests per worker: a random 0..jitter, so workers do not all restart at once. */
  readonly maxRequestsJitter: number;
  readonly env: NodeJS.ProcessEnv;
}

export function spawnWorker(id: number, options: SpawnOptions): Observable<ArbiterEvent> {
  return new Observable<ArbiterEvent>((subscriber) => {
    const jitter = options.maxRequests > 0 ? Math.floor(Math.random() * (options.maxRequestsJitter + 1)) : 0;
    const worker: WorkerOptions = {
      ...options.worker,
      id,
      maxRequests: options.maxRequests > 0 ? options.maxRequests + jitter : 0,
      listenerFds: options.fds.map((_, i) => 3 + i),
    };
    const child = spawn(process.execPath, [...options.nodeArgs, options.entry], {
      cwd: options.worker.cwd,
      env: { ...options.env, [WORKER_ENV]: encodeWorkerOptions(worker) },
      stdio: ['ignore', 'inherit', 'inherit', ...options.fds, 'ipc'],
    });
    let pid: number | undefined;
    child.once('spawn', () => {
      pid = child.pid as number;
      subscriber.next(workerSpawned(id, pid));
    });
    child.on('message', (message: WorkerMessage) => {
      if (pid === undefined) return;
      if (message.t === 'hb') subscriber.next(heartbeatReceived(pid));
      else if (message.t === 'booted') subscriber.next(workerBooted(pid));
      else if (message.t === 'failed') subscriber.next(workerFailed(pid, message.code, message.reason));
    });
    child.once('error', (error) => {
      // Before 'spawn' this is a failed spawn; after it, an IPC hiccup that 'exit' will follow.
      if (pid === undefined) {
        subscriber.next(workerSpawnFailed(id, error.message));
        subscriber.complete();
      }
    });
    child.once('exit', (code, signal) => {
      if (pid === undefined) return;
      subscriber.next(workerExited(pid, code, signal ? signal.replace(/^SIG/, '') : null));
      subscriber.complete();
    });
  });
}
