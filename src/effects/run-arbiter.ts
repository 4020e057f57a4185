/**
 * Runs the arbiter: binds the pure core to its ports and to the process's signals.
 *
 * @example
 * runArbiter({ settings, ports }); // spawns, supervises, exits through ports.exit
 */
import { asyncScheduler, merge, of, type SchedulerLike, type Subscription } from 'rxjs';
import { arbiter } from '../streams/arbiter';
import { initialState, type ArbiterSettings } from '../streams/arbiter-state';
import { started } from '../streams/events';
import { feedback } from '../streams/feedback';
import { ARBITER_SIGNALS } from '../streams/signals';
import { interpretArbiter, type ArbiterPorts } from './arbiter-ports';
import { signalEvents } from './signal-events';

export interface RunArbiterOptions {
  readonly settings: ArbiterSettings;
  readonly ports: ArbiterPorts;
  readonly scheduler?: SchedulerLike;
}

export function runArbiter(options: RunArbiterOptions): Subscription {
  const scheduler = options.scheduler ?? asyncScheduler;
  // Signal handlers go in before Started, so a TERM during the first spawns is never lost.
  const external$ = merge(signalEvents(ARBITER_SIGNALS), of(started()));
  return feedback(arbiter(initialState(options.settings)), interpretArbiter(options.ports, scheduler))(external$)
    .subscribe({ error: (err) => options.ports.log('critical', `Arbiter loop failed: ${String(err)}`) });
}
