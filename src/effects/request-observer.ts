/**
 * What watches a worker's requests besides the app: the access log, StatsD and Prometheus
 * metrics, the debug log. Each is told when a request arrives and when its exchange is done.
 *
 * Why a seam and not a stage: observers never answer, drop or change a request, and they must
 * see every request, including the ones a stage answers itself. The worker calls them from the
 * request listener and from the pipeline's output, so they cost one call each when present and
 * nothing when absent.
 *
 * @example
 * const counter: RequestObserver = { done: () => void (count += 1) };
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RequestObserver {
  /** A request has arrived (before the user's stages see it). */
  begin?(req: IncomingMessage, res: ServerResponse): void;
  /**
   * Its exchange is done: the response has finished, or the client has gone.
   * `startedAt` is `performance.now()` when the request arrived.
   */
  done(req: IncomingMessage, res: ServerResponse, startedAt: number): void;
  /** Finish what `done` left for later, now (the worker is about to exit or reopen its files). */
  flush?(): void;
}
