/**
 * Process signals as a stream of `SignalReceived` events.
 *
 * Subscribing installs the handlers (so Node's default "exit on TERM/INT" no longer applies);
 * unsubscribing removes them.
 *
 * @example
 * signalEvents(ARBITER_SIGNALS).subscribe(console.log)
 */
import { Observable } from 'rxjs';
import { signalReceived, type ArbiterEvent } from '../streams/events';
import type { Signal } from '../streams/signals';

export function signalEvents(signals: readonly Signal[]): Observable<ArbiterEvent> {
  return signalsOf(signals, signalReceived);
}

/** The same, mapping each signal with `toEvent` (the worker uses its own event type). */
export function signalsOf<T>(signals: readonly Signal[], toEvent: (signal: Signal) => T): Observable<T> {
  return new Observable<T>((subscriber) => {
    const handlers = signals.map((name) => {
      const handler = () => subscriber.next(toEvent(name));
      process.on(`SIG${name}` as NodeJS.Signals, handler);
      return [name, handler] as const;
    });
    return () => {
      for (const [name, handler] of handlers) process.off(`SIG${name}` as NodeJS.Signals, handler);
    };
  });
}
