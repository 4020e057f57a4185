/**
 * How an unknown thrown value is put into a log line: its stack for the error log, or its first
 * message line where the output must stay one line.
 *
 * @example
 * logger.log('error', `Hook ${name} failed: ${errorStack(err)}`);
 */

/** The stack when there is one, else the message, else the value as text. */
export const errorStack = (err: unknown): string => (err instanceof Error ? (err.stack ?? err.message) : String(err));

/** The first line of the message: for one-line errors. */
export const errorLine = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
