/**
 * The IPC channels of the arbiter's live workers, by pid, for the Prometheus scrape.
 *
 * Why a registry here and not a port: the scrape is the only reader, it runs in the arbiter's
 * effects, and a worker is tracked from its spawn to its exit by `spawn-worker.ts` alone. One
 * arbiter per process, so one registry per process.
 *
 * @example
 * for (const [pid, child] of liveWorkers()) child.send({ t: 'metrics', id: 1 });
 */
import type { ChildProcess } from 'node:child_process';

const channels = new Map<number, ChildProcess>();
/** What exiting workers sent as their last metrics, by pid, until a scrape takes them. */
const finals = new Map<number, unknown>();

/** Remember worker `pid`'s channel until the process exits, and its last metrics when it sends them. */
export function trackWorker(pid: number, child: ChildProcess): void {
  channels.set(pid, child);
  child.on('message', (message: { t?: string; metrics?: unknown } | null) => {
    if (message?.t === 'metrics-final') finals.set(pid, message.metrics);
  });
  child.once('exit', () => channels.delete(pid));
}

/** The last metrics exiting workers sent since the previous call, by pid (taken: the map is emptied). */
export function takeFinals(): ReadonlyMap<number, unknown> {
  const taken = new Map(finals);
  finals.clear();
  return taken;
}

/** The workers alive now, with their channels. */
export const liveWorkers = (): ReadonlyMap<number, ChildProcess> => channels;
