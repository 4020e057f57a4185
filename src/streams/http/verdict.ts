/**
 * What the HTTP layer's rules decide about a request: pass it, strip fields, close after it, or
 * refuse it with a status and one line. Shared by the head rules, the transfer-coding rules and
 * the parse-error refusals.
 *
 * @example
 * refuse(400, 'Missing Host header') // { refuse: { status: 400, message: 'Missing Host header' } }
 */

/** An answer in place of the app's: the status and the one line that says why. */
export interface Refusal {
  readonly status: number;
  readonly message: string;
}

/** What to do with a request that is not simply passed on. */
export interface Verdict {
  /** Answer this instead of running the request, then close the connection. */
  readonly refuse?: Refusal;
  /** Indexes into `rawHeaders` (names) of forwarded headers to remove before the app sees them. */
  readonly strip?: readonly number[];
  /** Let the request run, but close the connection after it (a body coding runicorn does not decode). */
  readonly close?: true;
  /** The body is chunked: its trailer section is still to be checked. */
  readonly chunked?: true;
}

/** Text from a request, safe to echo in a log line or an error page: printable ASCII, at most 100 characters. */
export const printable = (text: string): string => {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}...` : clean;
};

/** A verdict that answers `status` with `message` in place of the app. */
export const refuse = (status: number, message: string): Verdict => ({ refuse: { status, message } });
