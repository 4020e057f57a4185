/**
 * A request's transfer codings against RFC 9112 §6 and Gunicorn's rules: chunked last and once,
 * known codings only (others are 501), none on HTTP/1.0. Pure; used by the head rules for parsed
 * requests and by the refusals for what Node's parser refused.
 *
 * @example
 * transferCodings(['gzip, chunked'], '1.1') // { close: true }
 */
import { printable, refuse, type Verdict } from './verdict';

/** Transfer codings Gunicorn knows; every other one is 501. compress, deflate and gzip are passed on undecoded. */
const CODINGS = new Set(['chunked', 'identity', 'compress', 'deflate', 'gzip', 'x-gzip', 'x-compress']);

/**
 * The transfer codings of a request, checked: `undefined` when they are acceptable, else the
 * refusal. `close` when a coding is passed on undecoded (the body's end is then unclear to a
 * proxy, so the connection is not reused).
 *
 * @example
 * transferCodings(['gzip, chunked'], '1.1') // { close: true }
 * transferCodings(['foo'], '1.1')           // { refuse: { status: 501, message: "Unsupported transfer coding: 'foo'" } }
 */
export function transferCodings(values: readonly string[], httpVersion: string): Verdict | undefined {
  if (httpVersion === '1.0') return refuse(400, 'Invalid HTTP Header: Transfer-Encoding on HTTP/1.0');
  let chunked = 0;
  let close = false;
  let last = '';
  for (const value of values) {
    for (const part of value.split(',')) {
      const coding = part.trim().toLowerCase();
      if (coding === '') continue;
      if (!CODINGS.has(coding)) return refuse(501, `Unsupported transfer coding: '${printable(coding)}'`);
      if (chunked > 0) return refuse(400, 'Invalid HTTP Header: Transfer-Encoding: chunked is not the last coding');
      if (coding === 'chunked') chunked += 1;
      else if (coding !== 'identity') close = true;
      last = coding;
    }
  }
  if (last !== 'chunked' && last !== '')
    return refuse(400, 'Invalid HTTP Header: Transfer-Encoding without chunked last');
  return close ? { close: true } : undefined;
}
