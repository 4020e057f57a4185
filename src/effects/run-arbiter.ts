/**
 * Runs the arbiter: binds the pure core to its ports and to the process's signals.
 *
 * @example
 * runArbiter({ settings, ports }); // spawns, supervises, exits through ports.exit
 */
import {
  asyncScheduler,
  EMPTY,
  merge,
  of,
  ReplaySubject,
  type Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { arbiter } from '../streams/arbiter';
import { initialState, type ArbiterSettings } from '../streams/arbiter-state';
import { started, type ArbiterEvent } from '../streams/events';
import { feedback } from '../streams/feedback';
import { ARBITER_SIGNALS } from '../streams/signals';
import { interpretArbiter, type ArbiterPorts } from './arbiter-ports';
import { signalEvents } from './signal-events';

export interface RunArbiterOptions {
  /** Whatever is not given takes its value from `defaultSettings` (the crash-loop backoff, say). */
  readonly settings: Partial<ArbiterSettings>;
  readonly ports: ArbiterPorts;
  readonly scheduler?: SchedulerLike;
  /** Signals, from handlers installed early in boot (see `bufferSignals`); live handlers if absent. */
  readonly signal$?: Observable<ArbiterEvent>;
  /** Set when this arbiter was started by USR2: the old arbiter's pid (see `Started`). */
  readonly parent?: number;
  /** Other events from the world (the old arbiter exiting, after a USR2). */
  readonly events$?: Observable<ArbiterEvent>;
}

/**
 * Install the arbiter's signal handlers now and keep what arrives until the loop runs: a TERM
 * sent while the sockets are being bound must stop the server, not kill it with Node's default.
 */
export function bufferSignals(): { readonly signal$: Observable<ArbiterEvent>; readonly release: () => void } {
  const buffer = new ReplaySubject<ArbiterEvent>();
  const handlers = signalEvents(ARBITER_SIGNALS).subscribe(buffer);
  return { signal$: buffer, release: () => handlers.unsubscribe() };
}

export function runArbiter(options: RunArbiterOptions): Subscription {
  const scheduler = options.scheduler ?? asyncScheduler;
  // Signal handlers go in before Started, so a TERM during the first spawns is never lost.
  const external$ = merge(
    options.signal$ ?? signalEvents(ARBITER_SIGNALS),
    of(started(options.parent)),
    options.events$ ?? EMPTY,
  );
  const running = feedback(
    arbiter(initialState(options.settings)),
    interpretArbiter(options.ports, scheduler),
  )(external$).subscribe({ error: (err) => options.ports.log('critical', `Arbiter loop failed: ${String(err)}`) });
  // The arbiter lives until it exits, even with no worker and no timer pending (after WINCH):
  // signal handlers and bound listener handles do not keep Node's event loop alive.
  const keepAlive = setInterval(() => undefined, 2 ** 31 - 1);
  running.add(() => clearInterval(keepAlive));
  return running;
}
