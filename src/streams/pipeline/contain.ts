/**
 * Contain a user's stage: when it throws, the requests it held get a 500, the error is reported
 * with the stage's name, and the stage goes on serving the requests after them.
 *
 * Why: in rxjs an operator that throws ends its stream, and with it every later request of the
 * worker. A stage built with `stage(fn)` is contained by a `try`/`catch` per exchange. Any other
 * operator (`map`, `mergeMap`, a user's `pipe(...)`) is fed from an inner `Subject`, so a failed
 * instance can be replaced by a fresh one without touching the request stream:
 * - an error raised while an exchange is being pushed in is that exchange's: it gets the 500;
 * - an error raised later (a rejected promise in a `mergeMap`) is reported without an exchange
 *   (or with the only one inside), and every exchange still inside the operator gets a 500;
 * - an operator whose output completes early (`take(1)`) is reported once and started again for
 *   the next request; the exchanges it dropped unanswered get a 500.
 * To know what is inside, this wrapper tracks the exchanges it pushed and has not seen come out:
 * a cost paid only for user stages. Exchanges a stage answered and dropped are pruned from time
 * to time (amortised), so the set stays as large as what is really in flight.
 *
 * @example
 * request$.pipe(contain(map(addUser), 'addUser', (e, name, ex) => log(`stage ${name} failed: ${e}`)))
 */
import { Observable, Subject, type Subscription } from 'rxjs';
import { clientGone, respond, type Exchange } from './exchange';
import { functionStage, stageFunction, type Stage, type StageFunction } from './stage';

/** Told about a stage that failed: its name, and the exchange it failed on when that is known. */
export type StageErrorHandler<E extends Exchange> = (
  error: unknown,
  stageName: string,
  exchange: E | undefined,
) => void;

const INTERNAL_ERROR = 'Internal Server Error\n';
/** Tracked exchanges past which answered ones are swept out; the bar doubles with what remains. */
const PRUNE_AT = 256;

/**
 * A stage the pipeline can survive: see the file header for what happens on each kind of failure.
 *
 * @example
 * const safe = contain(userStage, 'stage #1', onStageError);
 */
export function contain<E extends Exchange>(op: Stage<E>, name: string, onStageError: StageErrorHandler<E>): Stage<E> {
  const fn = stageFunction(op);
  return fn === undefined ? containOperator(op, name, onStageError) : containFunction(fn, name, onStageError);
}

function containFunction<E extends Exchange>(
  fn: StageFunction<E>,
  name: string,
  onStageError: StageErrorHandler<E>,
): Stage<E> {
  return functionStage(fn, (err, exchange) => {
    onStageError(err, name, exchange);
    respond(exchange, 500, INTERNAL_ERROR);
  });
}

function containOperator<E extends Exchange>(op: Stage<E>, name: string, onStageError: StageErrorHandler<E>): Stage<E> {
  return (source) =>
    new Observable<E>((subscriber) => {
      const inside = new Set<E>();
      let pruneAt = PRUNE_AT;
      /** The live instance's input; `undefined` before the first request and after a failure. */
      let input: Subject<E> | undefined;
      let instance: Subscription | undefined;
      /** The exchange being pushed in: an error raised meanwhile is its. */
      let pushing: E | undefined;
      let sourceDone = false;
      let toldEarlyEnd = false;

      /** Answer 500 to what the dead instance held (skipping what a stage answered itself and dropped). */
      const answerInside = (culprit: E | undefined) => {
        for (const ex of inside) {
          if (!clientGone(ex) && (ex === culprit || !ex.res.headersSent)) respond(ex, 500, INTERNAL_ERROR);
        }
        inside.clear();
      };
      const stranded = (): boolean => {
        for (const ex of inside) if (!ex.res.headersSent && !clientGone(ex)) return true;
        return false;
      };
      const failed = (subject: Subject<E> | undefined, error: unknown) => {
        if (input === subject) input = undefined;
        const culprit = pushing;
        const only = inside.size === 1 ? inside.values().next().value : undefined;
        onStageError(error, name, culprit ?? only);
        answerInside(culprit);
        if (sourceDone) subscriber.complete();
      };
      const ended = (subject: Subject<E>) => {
        if (input === subject) input = undefined;
        if (sourceDone) {
          if (stranded())
            onStageError(new Error(`stage ${name} ended without passing on every request`), name, undefined);
          answerInside(undefined);
          subscriber.complete();
          return;
        }
        const lost = stranded();
        if (lost || !toldEarlyEnd) {
          toldEarlyEnd = true;
          onStageError(
            new Error(
              `stage ${name} completed while requests were still coming; it is started again for the next request`,
            ),
            name,
            undefined,
          );
        }
        if (lost) answerInside(undefined);
        else inside.clear();
      };
      const start = () => {
        const subject = new Subject<E>();
        input = subject;
        instance = op(subject).subscribe({
          next: (ex) => {
            inside.delete(ex);
            subscriber.next(ex);
          },
          error: (error: unknown) => failed(subject, error),
          complete: () => ended(subject),
        });
      };
      /** Push `ex` in, starting an instance first when there is none. */
      const push = (ex: E) => {
        try {
          if (input === undefined) start();
          // Started, unless it failed or completed at once (it was then reported and answered).
          input?.next(ex);
        } catch (error) {
          // Thrown past rxjs: by the operator function itself, or by a hand-written operator.
          instance?.unsubscribe();
          failed(input, error);
        }
      };
      const prune = () => {
        for (const ex of inside) if (ex.res.headersSent || clientGone(ex)) inside.delete(ex);
        pruneAt = Math.max(PRUNE_AT, inside.size * 2);
      };

      const sub = source.subscribe({
        next: (ex) => {
          if (inside.size >= pruneAt) prune();
          inside.add(ex);
          const outer = pushing;
          pushing = ex;
          push(ex);
          pushing = outer;
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          sourceDone = true;
          if (input !== undefined) input.complete();
          else subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        instance?.unsubscribe();
      };
    });
}
