/**
 * The request-head rules runicorn adds to llhttp's: Gunicorn's limits, RFC 9112's framing and
 * field rules that llhttp lets through, and which forwarded headers a peer may send. Pure: the
 * worker applies the verdict (answer, strip, close) in `src/effects/http-guard.ts`.
 *
 * Why a verdict and not a stage that answers: this runs once per request before anything else,
 * so it is one pass over `rawHeaders`, with no allocation on the common path (`undefined` means
 * "pass it on untouched"). A name is looked at only when its length and its first and last
 * letters are those of a name a rule cares about, and lower-cased only when it is not spelled
 * the usual way (measured: about 30 ns for wrk's request, 160 ns for a dozen browser headers).
 *
 * What llhttp already refuses (and the worker maps to statuses with `refusalForParseError`, in `refusals.ts`):
 * repeated or malformed Content-Length, Content-Length with Transfer-Encoding, chunked not last,
 * bad chunk sizes and framing, CR/LF/NUL and other controls in names and values, spaces before
 * the colon, obsolete line folding, unknown methods, versions other than 0.9, 1.0, 1.1 and 2.0.
 *
 * @example
 * const rules = headRules({ limitRequestLine: 4094, limitRequestFields: 100, limitRequestFieldSize: 8190 });
 * inspectHead({ method: 'GET', url: '*', httpVersion: '1.1', rawHeaders: ['Host', 'a'] }, rules, true);
 * // { refuse: { status: 400, message: "Invalid Request Line 'GET * HTTP/1.1'" } }
 */

import { transferCodings } from './transfer-codings';
import { printable, refuse, type Verdict } from './verdict';

export { printable, type Refusal, refuse, type Verdict } from './verdict';

/** The settings the rules come from (Gunicorn's names, camelCased). */
export interface HeadSettings {
  /** Longest request line in bytes; 0 = only the parser's limit. Above 8190 counts as 8190. */
  readonly limitRequestLine: number;
  /** Most header fields; 0, or more than 32768, is 32768. */
  readonly limitRequestFields: number;
  /** Longest `name: value` field in bytes; 0 counts as 8190 (as Gunicorn's code does). */
  readonly limitRequestFieldSize: number;
  /** Header name → the value meaning HTTPS (Gunicorn's `secure_scheme_headers`). */
  readonly secureSchemeHeaders?: Readonly<Record<string, string>>;
}

/** A request head as Node parsed it. */
export interface RequestHead {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly httpVersion: string;
  readonly rawHeaders: readonly string[];
}

/** What a header name means to the rules; singletons are bit flags from `Singleton` up, one per field. */
const Kind = {
  TransferEncoding: 1,
  Forwarded: 2,
  Scheme: 3,
  Singleton: 8,
} as const;
/** The bit of the Host field among the singletons (it is the first of SINGLETON_FIELDS). */
const HOST_BIT = Kind.Singleton;

/** The compiled rules: limits, and the header names that matter by length then name. */
export interface HeadRules {
  readonly requestLine: number;
  readonly fields: number;
  readonly fieldSize: number;
  /** The `shapeOf` every name that matters: most other names are passed over without lower-casing them. */
  readonly shapes: ReadonlySet<number>;
  readonly kinds: ReadonlyMap<string, number>;
  /** Lower-cased scheme header → the value that means HTTPS. */
  readonly scheme: ReadonlyMap<string, string>;
}

/** A name's length and its first and last letters, case-folded: a cheap key that rules most names out. */
const shapeOf = (name: string): number =>
  name.length * 65536 + (name.charCodeAt(0) | 0x20) * 256 + (name.charCodeAt(name.length - 1) | 0x20);

/** `x-forwarded-for` → `X-Forwarded-For`. */
const titleCase = (name: string): string =>
  name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

/** Fields a request may carry once only (RFC 9110 §5.3: a list syntax is what allows repeats). */
export const SINGLETON_FIELDS: readonly string[] = [
  'host',
  'content-length',
  'content-type',
  'authorization',
  'proxy-authorization',
];

/**
 * Headers that tell an app where a request came from: removed, with the scheme headers, from
 * requests whose peer is not in `--forwarded-allow-ips` (Express's and Fastify's `trust proxy`
 * read them).
 */
export const FORWARDED_FIELDS: readonly string[] = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-real-ip',
];

/** Trailer fields RFC 9110 §6.5.1 forbids: framing, routing and authentication (Gunicorn's list). */
const FORBIDDEN_TRAILERS = new Set(['host', 'content-length', 'transfer-encoding', 'trailer', 'authorization', 'te']);

export const MAX_FIELDS = 32768;
const DEFAULT_FIELD_SIZE = 8190;
const MAX_REQUEST_LINE = 8190;

/**
 * The rules for a set of settings, compiled once per worker.
 *
 * @example
 * headRules({ limitRequestLine: 0, limitRequestFields: 0, limitRequestFieldSize: 0 }).fields // 32768
 */
export function headRules(settings: HeadSettings): HeadRules {
  const kinds = new Map<string, number>();
  SINGLETON_FIELDS.forEach((name, i) => {
    kinds.set(name, Kind.Singleton << i);
  });
  kinds.set('transfer-encoding', Kind.TransferEncoding);
  for (const name of FORWARDED_FIELDS) kinds.set(name, Kind.Forwarded);
  const scheme = new Map<string, string>();
  for (const [name, value] of Object.entries(settings.secureSchemeHeaders ?? {})) {
    scheme.set(name.toLowerCase(), value);
    scheme.set(titleCase(name.toLowerCase()), value);
    kinds.set(name.toLowerCase(), Kind.Scheme);
  }
  const shapes = new Set<number>();
  // Each name also under its usual spelling (`Content-Type`), so that the usual request needs no lower-casing.
  for (const [name, kind] of [...kinds]) {
    shapes.add(shapeOf(name));
    kinds.set(titleCase(name), kind);
  }
  const fields = settings.limitRequestFields;
  const line = settings.limitRequestLine;
  return {
    requestLine: line > MAX_REQUEST_LINE ? MAX_REQUEST_LINE : line,
    fields: fields === 0 || fields > MAX_FIELDS ? MAX_FIELDS : fields,
    fieldSize: settings.limitRequestFieldSize === 0 ? DEFAULT_FIELD_SIZE : settings.limitRequestFieldSize,
    shapes,
    kinds,
    scheme,
  };
}

/**
 * The most bytes a request head may take under these rules (request line, fields, CRLFs):
 * Node's `maxHeaderSize`, so that Gunicorn's limits, not llhttp's 16 KiB default, decide.
 *
 * @example
 * maxHeadBytes(headRules({ limitRequestLine: 4094, limitRequestFields: 100, limitRequestFieldSize: 8190 })) // 823400
 */
export const maxHeadBytes = (rules: HeadRules): number =>
  (rules.requestLine || MAX_REQUEST_LINE) + 2 + rules.fields * (rules.fieldSize + 2) + 2;

/**
 * The verdict on one request head: `undefined` (the common case) to pass it on untouched.
 * `trusted` says whether the peer is in `--forwarded-allow-ips` (a function of the head is asked
 * only when a forwarded or scheme header is there): an untrusted peer's forwarded and scheme
 * headers are stripped; a trusted peer's scheme headers must agree.
 *
 * `h2`: the head came from an HTTP/2 stream (Node's `Http2ServerRequest`), whose version is
 * '2.0' and whose `rawHeaders` start with the pseudo-header fields (`:method`, `:path`,
 * `:authority`, `:scheme`). Those are not counted or measured as fields (the path is measured
 * as the request line), and no Host is required (`:authority` stands for it). An HTTP/1
 * request line saying `HTTP/2.0` is still refused: only a real HTTP/2 stream passes `h2`.
 *
 * @example
 * inspectHead({ method: 'GET', url: '/', httpVersion: '1.1', rawHeaders: ['Host', 'a', 'Host', 'b'] }, rules, true)
 * // { refuse: { status: 400, message: "Invalid HTTP Header: 'Host' (repeated)" } }
 */
export function inspectHead<H extends RequestHead>(
  head: H,
  rules: HeadRules,
  trusted: boolean | ((head: H) => boolean),
  h2 = false,
): Verdict | undefined {
  const method = head.method ?? '';
  const url = head.url ?? '';
  const version = head.httpVersion;
  if (version !== '1.1' && version !== '1.0' && !(h2 && version === '2.0'))
    return refuse(400, `Invalid HTTP Version 'HTTP/${printable(version)}'`);
  // Node's parser takes single spaces only, so the line's length is exactly this.
  const lineLength = method.length + url.length + 10;
  if (rules.requestLine > 0 && lineLength > rules.requestLine)
    return refuse(414, `Request Line is too large (${lineLength} > ${rules.requestLine})`);
  if (url === '*' && method !== 'OPTIONS')
    return refuse(400, `Invalid Request Line '${printable(`${method} * HTTP/${version}`)}'`);
  const raw = head.rawHeaders;
  // HTTP/2's pseudo-header fields come first (RFC 9113 §8.3); they are the request line, not fields.
  let first = 0;
  if (h2) while (first < raw.length && (raw[first] as string).charCodeAt(0) === 58) first += 2;
  const count = (raw.length - first) >> 1;
  if (count > rules.fields) return refuse(431, `Too many header fields (${count} > ${rules.fields})`);
  const { shapes, kinds, fieldSize } = rules;
  let seen = 0;
  let codings: string[] | undefined;
  let strip: number[] | undefined;
  let https: boolean | undefined;
  let trust = typeof trusted === 'boolean' ? trusted : undefined;
  for (let i = first; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    if (name.length + value.length + 2 > fieldSize)
      return refuse(
        431,
        `Header field too large: '${printable(name)}' (${name.length + value.length + 2} > ${fieldSize})`,
      );
    if (!shapes.has(shapeOf(name))) continue;
    let kind = kinds.get(name);
    if (kind === undefined) kind = kinds.get(name.toLowerCase());
    if (kind === undefined) continue;
    if (kind >= Kind.Singleton) {
      if ((seen & kind) !== 0) return refuse(400, `Invalid HTTP Header: '${printable(name)}' (repeated)`);
      seen |= kind;
    } else if (kind === Kind.TransferEncoding) {
      codings ??= [];
      codings.push(value);
    } else {
      trust ??= (trusted as (head: H) => boolean)(head);
      if (!trust) {
        strip ??= [];
        strip.push(i);
        continue;
      }
      if (kind !== Kind.Scheme) continue;
      const secure = (rules.scheme.get(name) ?? rules.scheme.get(name.toLowerCase())) === value;
      if (https !== undefined && https !== secure) return refuse(400, 'Contradictory scheme headers');
      https = secure;
    }
  }
  if ((seen & HOST_BIT) === 0 && version === '1.1') return refuse(400, 'Missing Host header');
  if (codings === undefined) return strip ? { strip } : undefined;
  const framing = transferCodings(codings, version);
  if (framing?.refuse) return framing;
  return { ...framing, ...(strip ? { strip } : {}), chunked: true };
}

/**
 * The first forbidden field in a request's trailer section (RFC 9110 §6.5.1), or `undefined`.
 *
 * @example
 * forbiddenTrailer(['Host', 'b']) // 'Host'
 */
export function forbiddenTrailer(rawTrailers: readonly string[]): string | undefined {
  for (let i = 0; i < rawTrailers.length; i += 2) {
    const name = rawTrailers[i] as string;
    if (FORBIDDEN_TRAILERS.has(name.toLowerCase())) return name;
  }
  return undefined;
}
