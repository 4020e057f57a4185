/**
 * The refinement codecs every setting is decoded with, in one file (house guideline 10).
 *
 * Each codec accepts the value as a config file gives it (number, boolean, array) or as a flag or
 * environment variable gives it (a string), and says what it expected in words a user can act on.
 *
 * @example
 * PositiveInt.decode('4')   // right(4)
 * PositiveInt.expected       // 'a positive integer'
 */
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as t from 'io-ts';
import { parseBind, type BindAddress } from './bind-address';

/** A codec that also says, in words, what it wants. */
export interface Codec<A> extends t.Type<A, unknown, unknown> {
  readonly expected: string;
}

function codec<A>(name: string, expected: string, parse: (u: unknown) => E.Either<string, A>): Codec<A> {
  const type = new t.Type<A, unknown, unknown>(
    name,
    (u): u is A => E.isRight(parse(u)),
    (u, c) => pipe(parse(u), E.fold((why) => t.failure(u, c, why), (a) => t.success(a))),
    (a) => a,
  );
  return Object.assign(type, { expected });
}

const integer = (u: unknown): number | undefined => {
  if (typeof u === 'number') return Number.isInteger(u) ? u : undefined;
  if (typeof u === 'string' && /^\s*[+-]?\d+\s*$/.test(u)) return Number(u);
  return undefined;
};

const intAtLeast = (min: number) => (u: unknown): E.Either<string, number> => {
  const n = integer(u);
  return n !== undefined && n >= min ? E.right(n) : E.left('');
};

/** An integer ≥ 1 (workers, worker connections). */
export const PositiveInt = codec('PositiveInt', 'a positive integer', intAtLeast(1));

/** An integer ≥ 0 (timeouts in seconds, where 0 often means "off"). */
export const NonNegativeInt = codec('NonNegativeInt', 'a whole number of 0 or more', intAtLeast(0));

/** A number of seconds ≥ 0, fractions allowed (timeouts). */
export const Seconds = codec('Seconds', 'a number of seconds (0 or more)', (u) => {
  const n = typeof u === 'number' ? u : typeof u === 'string' && u.trim() !== '' ? Number(u) : NaN;
  return Number.isFinite(n) && n >= 0 ? E.right(n) : E.left('');
});

/** One of a fixed set of words. */
export function OneOf<const W extends string>(words: readonly W[]): Codec<W> {
  return codec(`OneOf(${words.join('|')})`, `one of ${words.join(', ')}`, (u) =>
    typeof u === 'string' && (words as readonly string[]).includes(u) ? E.right(u as W) : E.left(''));
}

/** A non-empty string. */
export const NonEmptyString = codec('NonEmptyString', 'a non-empty string', (u) =>
  typeof u === 'string' && u.trim() !== '' ? E.right(u) : E.left(''));

/** One or more bind addresses (a string, or a list of strings). */
export const BindList = codec<readonly BindAddress[]>('BindList', 'an address like 127.0.0.1:8000, [::1]:8000, unix:/path or fd://3', (u) => {
  const items = Array.isArray(u) ? u : [u];
  if (items.length === 0) return E.left('no address');
  const out: BindAddress[] = [];
  for (const item of items) {
    if (typeof item !== 'string') return E.left('not a string');
    const parsed = parseBind(item);
    if (E.isLeft(parsed)) return parsed;
    out.push(parsed.right);
  }
  return E.right(out);
});

/** The first reason a codec gave, for the one-line error. */
export function firstReason(errors: t.Errors): string | undefined {
  return errors.find((e) => e.message !== undefined)?.message;
}
