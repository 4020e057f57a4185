/**
 * Gunicorn's access log format, compiled once into a line renderer.
 *
 * The format is Python's `%(name)s` over Gunicorn's atoms (`h l u t r m U q H s B b f a T M D L p`,
 * `{header}i`, `{header}o`, `{name}e`); `%%` is a literal `%`. Compiling it once turns the
 * format into a list of literal strings and atom readers, so rendering a line reads only the atoms
 * the format names (the default format never touches the request's timing beyond `t`), and a
 * mistyped format is one line at boot, not a broken log.
 *
 * As in Gunicorn: an atom with no value renders `-` (an empty query string stays empty), an
 * unknown atom renders `-`, and a `"` in a value is escaped as `\"` so a quoted field cannot be closed early.
 *
 * @example
 * const render = compileAccessFormat('%(h)s "%(r)s" %(s)s').right.render;
 * render(entry) // '127.0.0.1 "GET /?a=1 HTTP/1.1" 200'
 */
import * as E from 'fp-ts/Either';

/** The parts of a request the atoms read (at run time, Node's `IncomingMessage`). */
export interface AccessRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly httpVersion: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly socket?: {
    readonly remoteAddress?: string | undefined;
    readonly remotePort?: number | undefined;
    /** A TLS socket's: the request came over HTTPS. */
    readonly encrypted?: boolean | undefined;
  } | null;
}

/** The parts of a response the atoms read (at run time, Node's `ServerResponse`). */
export interface AccessResponse {
  readonly statusCode: number;
  getHeader(name: string): number | string | readonly string[] | undefined;
}

/** A moment as the effects layer read it (a `Date` at run time; the pure layer reads no clock). */
export interface CalendarTime {
  getTime(): number;
  getFullYear(): number;
  getMonth(): number;
  getDate(): number;
  getHours(): number;
  getMinutes(): number;
  getSeconds(): number;
  getTimezoneOffset(): number;
  toISOString(): string;
}

/** One finished request, as the access log sees it. */
export interface AccessEntry {
  readonly req: AccessRequest;
  readonly res: AccessResponse;
  /** Response body bytes, when known. */
  readonly bytes: number | undefined;
  /** How long the request took, in microseconds. */
  readonly durationUs: number;
  /** When the line is logged (the `t` atom). */
  readonly date: CalendarTime;
  readonly pid: number;
  /** An environment variable by name (`{name}e`, after the request's own CGI-style variables). */
  readonly env: (name: string) => string | undefined;
}

export interface AccessFormat {
  readonly render: (entry: AccessEntry) => string;
  /** True when the format reads the response size (`B`, `b`): only then is it measured. */
  readonly needsBytes: boolean;
}

type Atom = (e: AccessEntry) => string | number | undefined;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => (n < 10 ? `0${n}` : String(n));

let lastSecond = Number.NaN;
let lastText = '';

/** Gunicorn's `t`: `[22/Nov/2026:02:03:07 +0000]`, local time (worked out once a second). */
export function formatAccessTime(date: CalendarTime): string {
  const second = Math.floor(date.getTime() / 1000);
  if (second !== lastSecond) {
    lastText = accessTime(date);
    lastSecond = second;
  }
  return lastText;
}

function accessTime(date: CalendarTime): string {
  const offset = -date.getTimezoneOffset();
  const abs = Math.abs(offset);
  const zone = `${offset >= 0 ? '+' : '-'}${two(Math.trunc(abs / 60))}${two(abs % 60)}`;
  return (
    `[${two(date.getDate())}/${MONTHS[date.getMonth()]}/${date.getFullYear()}:`
    + `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())} ${zone}]`
  );
}

const headerText = (value: string | number | readonly string[] | undefined): string | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value.join(', ') : String(value);

const pathOf = (url: string) => {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
};
const queryOf = (url: string) => {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
};

/** `PATH_INFO` is the decoded path; a path that does not decode is shown as sent. */
function decodedPath(url: string): string {
  const path = pathOf(url);
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

const utf8 = new TextDecoder();

/** The user name of `Authorization: Basic …`, or undefined (also when it does not decode). */
export function basicAuthUser(header: string | undefined): string | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  let decoded: string;
  try {
    decoded = utf8.decode(Uint8Array.from(atob(header.slice(6).trim()), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(0, colon);
}

const protocol = (e: AccessEntry) => `HTTP/${e.req.httpVersion}`;
const seconds = (e: AccessEntry) => Math.trunc(e.durationUs / 1e6);

/** Lower-cased scheme header → the value that means HTTPS. */
type SchemeHeaders = ReadonlyMap<string, string>;

/**
 * Gunicorn's `wsgi.url_scheme`: `https` on a TLS connection, else `http`; then the first secure
 * scheme header present decides (the HTTP layer has already removed them from untrusted peers
 * and refused contradictory ones).
 */
function urlScheme(e: AccessEntry, scheme: SchemeHeaders): string {
  for (const [name, secure] of scheme) {
    const value = e.req.headers[name];
    if (value !== undefined) return headerText(value) === secure ? 'https' : 'http';
  }
  return e.req.socket?.encrypted === true ? 'https' : 'http';
}

/** The CGI-style variables Gunicorn's `{name}e` finds in a request's WSGI environ. */
function cgiVariable(e: AccessEntry, name: string, scheme: SchemeHeaders): string | undefined {
  const url = e.req.url ?? '';
  switch (name) {
    case 'wsgi.url_scheme':
      return urlScheme(e, scheme);
    case 'https':
      // Not in Gunicorn's environ; the CGI variable many log formats expect.
      return urlScheme(e, scheme) === 'https' ? 'on' : undefined;
    case 'remote_addr':
      return e.req.socket?.remoteAddress;
    case 'remote_port':
      return e.req.socket?.remotePort === undefined ? undefined : String(e.req.socket.remotePort);
    case 'request_method':
      return e.req.method;
    case 'raw_uri':
      return url;
    case 'path_info':
      return decodedPath(url);
    case 'query_string':
      return queryOf(url);
    case 'server_protocol':
      return protocol(e);
    case 'script_name':
      return '';
    default:
      return name.startsWith('http_') ? headerText(e.req.headers[name.slice(5).replaceAll('_', '-')]) : undefined;
  }
}

const ATOMS: Readonly<Record<string, Atom>> = {
  h: (e) => e.req.socket?.remoteAddress,
  l: () => '-',
  u: (e) => basicAuthUser(headerText(e.req.headers.authorization)),
  t: (e) => formatAccessTime(e.date),
  r: (e) => `${e.req.method ?? ''} ${e.req.url ?? ''} ${protocol(e)}`,
  m: (e) => e.req.method,
  U: (e) => decodedPath(e.req.url ?? ''),
  q: (e) => queryOf(e.req.url ?? ''),
  H: protocol,
  s: (e) => e.res.statusCode,
  B: (e) => e.bytes ?? 0,
  // Gunicorn's `sent and str(sent) or '-'`: nothing sent is `-`.
  b: (e) => (e.bytes ? e.bytes : undefined),
  f: (e) => headerText(e.req.headers.referer),
  a: (e) => headerText(e.req.headers['user-agent']),
  T: seconds,
  M: (e) => Math.trunc(e.durationUs / 1000),
  D: (e) => Math.trunc(e.durationUs),
  L: (e) => `${seconds(e)}.${String(Math.trunc(e.durationUs % 1e6)).padStart(6, '0')}`,
  p: (e) => `<${e.pid}>`,
};

/** The reader for one atom name, including `{name}i`, `{name}o` and `{name}e`. */
function atomFor(name: string, scheme: SchemeHeaders): Atom {
  const known = ATOMS[name];
  if (known) return known;
  const braced = /^\{([^}]+)\}([ioe])$/.exec(name);
  if (!braced) return () => undefined;
  const key = (braced[1] as string).toLowerCase();
  if (braced[2] === 'i') return (e) => headerText(e.req.headers[key]);
  if (braced[2] === 'o') return (e) => headerText(e.res.getHeader(key));
  return (e) => cgiVariable(e, key, scheme) ?? e.env(key.toUpperCase()) ?? e.env(key);
}

const escapeQuotes = (text: string) => (text.includes('"') ? text.replaceAll('"', '\\"') : text);

/** Gunicorn's default `secure_scheme_headers`. */
const GUNICORN_SCHEME_HEADERS: Readonly<Record<string, string>> = {
  'X-FORWARDED-PROTOCOL': 'ssl',
  'X-FORWARDED-PROTO': 'https',
  'X-FORWARDED-SSL': 'on',
};

/** `%(name)<flags><width><s|d>` or `%%`. */
const DIRECTIVE = /%(?:\(([^)]*)\)(-?)(\d*)([sd])|%)/y;

/**
 * Compile an access log format; `Left` with what is wrong (a `%` that starts no directive).
 *
 * @example
 * E.isLeft(compileAccessFormat('%(h)s %')) // true: a lone %
 * compileAccessFormat('%({wsgi.url_scheme}e)s', { 'X-Forwarded-Proto': 'https' }) // reads that header, then the socket
 */
export function compileAccessFormat(
  format: string,
  secureSchemeHeaders: Readonly<Record<string, string>> = GUNICORN_SCHEME_HEADERS,
): E.Either<string, AccessFormat> {
  const scheme: SchemeHeaders = new Map(Object.entries(secureSchemeHeaders).map(([k, v]) => [k.toLowerCase(), v]));
  const parts: Array<string | Atom> = [];
  let literal = '';
  let needsBytes = false;
  for (let i = 0; i < format.length; ) {
    const at = format.indexOf('%', i);
    if (at < 0) {
      literal += format.slice(i);
      break;
    }
    literal += format.slice(i, at);
    DIRECTIVE.lastIndex = at;
    const m = DIRECTIVE.exec(format);
    if (!m) return E.left(`"%" at position ${at + 1} starts no %(atom)s directive (write %% for a percent sign)`);
    i = DIRECTIVE.lastIndex;
    if (m[0] === '%%') {
      literal += '%';
      continue;
    }
    const name = m[1] as string;
    if (name === 'B' || name === 'b') needsBytes = true;
    if (literal) parts.push(literal);
    literal = '';
    parts.push(directive(atomFor(name, scheme), m[2] === '-', Number(m[3] || 0), m[4] === 'd'));
  }
  if (literal) parts.push(literal);
  return E.right({ render: (e) => renderParts(parts, e), needsBytes });
}

function directive(atom: Atom, left: boolean, width: number, integer: boolean): Atom {
  return (e) => {
    const value = atom(e);
    let text =
      value === undefined
        ? '-'
        : integer && typeof value !== 'number'
          ? String(Number.parseInt(value, 10) || 0)
          : escapeQuotes(String(value));
    if (width > text.length) text = left ? text.padEnd(width) : text.padStart(width);
    return text;
  };
}

function renderParts(parts: ReadonlyArray<string | Atom>, e: AccessEntry): string {
  let line = '';
  for (const part of parts) line += typeof part === 'string' ? part : part(e);
  return line;
}
