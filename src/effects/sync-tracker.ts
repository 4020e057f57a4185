/**
 * The sync worker's count of its requests in flight and finished: it stops accepting while its
 * one request runs (connections wait in the kernel's queue for another worker), and its
 * heartbeat reads the progress to tell a stuck request from a slow loop.
 *
 * Only the sync worker pays for it: two counters and one `close` listener per request.
 *
 * @example
 * const tracker = syncTracker(servers);
 * servers.onRequest((req, res) => { tracker.start(res); app(req, res); });
 */
import type { ServerResponse } from 'node:http';
import type { RequestProgress } from '../streams/worker/worker-lifecycle';
import type { WorkerServers } from './worker-servers';

/** Requests in flight and finished, counted for the sync worker; it pauses accepting while busy. */
export function syncTracker(servers: WorkerServers) {
  let received = 0;
  let finished = 0;
  function onResponseClose() {
    finished += 1;
    if (finished === received) servers.resumeAccepting();
  }
  return {
    start(res: ServerResponse) {
      received += 1;
      if (received - finished === 1) servers.pauseAccepting();
      res.on('close', onResponseClose);
    },
    progress: (): RequestProgress => ({ inFlight: received - finished, finished }),
  };
}
