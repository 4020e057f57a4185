/**
 * Narrows a stream of tagged unions to the members with the given `type`s.
 *
 * @example
 * command$.pipe(ofType('StartTimer', 'CancelTimer'))
 */
import { filter, type OperatorFunction } from 'rxjs';

export function ofType<T extends { readonly type: string }, K extends T['type']>(
  ...types: readonly K[]
): OperatorFunction<T, Extract<T, { type: K }>> {
  return filter((value: T): value is Extract<T, { type: K }> => (types as readonly string[]).includes(value.type));
}
