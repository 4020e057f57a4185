/**
 * Signal names as the pure layer speaks them: short, upper-case, without the `SIG` prefix.
 *
 * The effects layer adds the prefix when it talks to the kernel, so nothing here depends on
 * `node:os` constants.
 *
 * @example
 * const s: Signal = 'TERM';
 */
export type Signal = 'TERM' | 'INT' | 'QUIT' | 'HUP' | 'TTIN' | 'TTOU' | 'USR1' | 'USR2' | 'WINCH' | 'ABRT' | 'KILL';

/** The signals the arbiter listens to (Gunicorn's set). */
export const ARBITER_SIGNALS: readonly Signal[] = [
  'TERM',
  'INT',
  'QUIT',
  'HUP',
  'TTIN',
  'TTOU',
  'USR1',
  'USR2',
  'WINCH',
];
