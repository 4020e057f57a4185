/**
 * Starts one worker process and reports its life as arbiter events.
 *
 * The listening fds go in the `stdio` array at 3, 4, … (the worker calls `listen({fd})`), and an
 * IPC channel sits after them for `booted`, heartbeats and failure reasons. Workers are spawned,
 * never `cluster.fork()`ed: a cluster worker's `listen({fd})` would be routed to the primary.
 *
 * A worker's stderr is a pipe: until the worker reports `booted`, the arbiter keeps its tail
 * (at most 64 KiB) instead of printing it, and puts it in `WorkerExited` if the worker dies
 * first, so the pure step decides whether to show it (a crash loop shows the same stack trace
 * once, not once per attempt; node prints a bad `--import` loader's stack before any of our
 * code runs, so only the arbiter can hold it back). Once booted, the buffer and everything after
 * it are forwarded to the arbiter's stderr as they come. stdout stays inherited: the access log
 * (`--access-logfile -`) and the app's `console.log` go straight out, off the arbiter's path.
 * With `--capture-output` (and an error log file) both stdout and stderr come through the arbiter,
 * line by line, into the error log file, as Gunicorn's `dup2` puts them there.
 *
 * @example
 * spawnWorker(1, options).subscribe(feedBack) // workerSpawned, workerBooted, heartbeats…, workerExited
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { Observable } from 'rxjs';
import {
  heartbeatReceived,
  workerBooted,
  workerExited,
  workerFailed,
  workerRetiring,
  workerSpawned,
  workerSpawnFailed,
  type ArbiterEvent,
} from '../streams/events';
import { lineWriter } from './line-writer';
import { trackWorker } from './worker-channels';
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
  /** Where a worker's stderr goes once it has booted (default: the arbiter's stderr). */
  readonly stderr?: Writable;
  /**
   * `--capture-output`: the worker's stdout and stderr, line by line, go here (the error log
   * file) instead of the arbiter's own streams.
   */
  readonly capture?: (text: string) => void;
}

/** The most of a booting worker's stderr kept for `WorkerExited` (its tail). */
export const BOOT_OUTPUT_LIMIT = 64 * 1024;
/** How long a worker's exit waits for the end of its stderr (a grandchild may hold the pipe open). */
const OUTPUT_END_WAIT_MS = 250;

/**
 * Keeps the tail of a booting worker's `stream` (for `WorkerExited`), and either writes it to
 * `target` as it comes (`hold` false: the usual case, so a worker's boot lines are not delayed) or
 * holds it (`hold` true: in a crash loop, where only the arbiter's step knows whether this
 * failure is worth showing). `forward()` (the worker booted) writes what was held and pipes the
 * rest; `collect()` (it exited first) hands the tail over.
 */
function watchOutput(stream: Readable, target: Writable, hold: boolean) {
  const chunks: Buffer[] = [];
  let size = 0;
  let dropped = false;
  const keep = (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    while (size > BOOT_OUTPUT_LIMIT) {
      dropped = true;
      const first = chunks[0] as Buffer;
      if (size - first.length >= BOOT_OUTPUT_LIMIT) {
        chunks.shift();
        size -= first.length;
      } else {
        chunks[0] = first.subarray(size - BOOT_OUTPUT_LIMIT);
        size = BOOT_OUTPUT_LIMIT;
      }
    }
    if (!hold) target.write(chunk);
  };
  let watching = true;
  const release = () => {
    if (!watching) return;
    watching = false;
    stream.off('data', keep);
    stream.pipe(target, { end: false });
  };
  stream.on('data', keep);
  stream.on('error', () => undefined);
  return {
    /** True when the worker's output was written as it came (so it need not be shown again). */
    shown: !hold,
    forward() {
      if (!watching) return;
      const held = chunks.splice(0);
      if (hold) for (const chunk of held) target.write(chunk);
      release();
    },
    /** Calls `done` with the tail once the stream has ended (or after a short wait). */
    collect(done: (text: string) => void) {
      const finish = () => {
        clearTimeout(timer);
        stream.off('end', finish);
        const text = (dropped ? '[earlier output dropped]\n' : '') + Buffer.concat(chunks.splice(0)).toString('utf8');
        release();
        done(text);
      };
      const timer = setTimeout(finish, stream.readableEnded ? 0 : OUTPUT_END_WAIT_MS);
      stream.once('end', finish);
    },
  };
}

export function spawnWorker(id: number, options: SpawnOptions, holdOutput = false): Observable<ArbiterEvent> {
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
      stdio: ['ignore', options.capture ? 'pipe' : 'inherit', 'pipe', ...options.fds, 'ipc'],
    });
    const captured = options.capture ? lineWriter(options.capture) : undefined;
    if (captured) child.stdout?.pipe(captured);
    // No stderr pipe only when the spawn itself failed ('error' before 'spawn').
    const output = child.stderr
      ? watchOutput(child.stderr, captured ?? options.stderr ?? process.stderr, holdOutput)
      : undefined;
    let pid: number | undefined;
    let booted = false;
    child.once('spawn', () => {
      pid = child.pid as number;
      trackWorker(pid, child);
      subscriber.next(workerSpawned(id, pid));
    });
    child.on('message', (message: WorkerMessage) => {
      if (pid === undefined) return;
      if (message.t === 'hb') subscriber.next(heartbeatReceived(pid));
      else if (message.t === 'booted') {
        booted = true;
        output?.forward();
        subscriber.next(workerBooted(pid));
      } else if (message.t === 'failed') subscriber.next(workerFailed(pid, message.code, message.reason));
      else if (message.t === 'retiring') subscriber.next(workerRetiring(pid, message.handoff === true));
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
      const exited = pid;
      const report = (text: string) => {
        subscriber.next(workerExited(exited, code, signal ? signal.replace(/^SIG/, '') : null, text, output?.shown));
        subscriber.complete();
      };
      // A worker that had booted is replaced at once; one that had not says what it printed.
      if (booted || !output) report('');
      else output.collect(report);
    });
  });
}
