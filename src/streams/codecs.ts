/**
 * The refinement codecs every setting is decoded with, in one file (house guideline 10).
 *
 * Each codec accepts the value as a config file gives it (number, boolean, array) or as a flag or
 * environment variable gives it (a string), and says what it expected in words a user can act on.
 * The Left reason is '' unless it adds to `expected`; the CLI appends it in parentheses.
 *
 * Why over 300 lines: guideline 10 keeps every refinement codec in this one file, and the full
 * settings registry needs about thirty, a few (IP networks, addresses) with their own parsing.
 *
 * @example
 * PositiveInt.decode('4')   // right(4)
 * PositiveInt.expected       // 'a positive integer'
 */
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import * as t from 'io-ts';
import { compileAccessFormat } from './access-log-format';
import { parseAppSpec } from './app-spec';
import { parseBind, type BindAddress } from './bind-address';
import { WORKER_CLASSES } from './worker/policy';

/** A codec that also says, in words, what it wants. */
export interface Codec<A> extends t.Type<A, unknown, unknown> {
  readonly expected: string;
}

function codec<A>(name: string, expected: string, parse: (u: unknown) => E.Either<string, A>): Codec<A> {
  const type = new t.Type<A, unknown, unknown>(
    name,
    (u): u is A => E.isRight(parse(u)),
    (u, c) =>
      pipe(
        parse(u),
        E.fold(
          (why) => t.failure(u, c, why),
          (a) => t.success(a),
        ),
      ),
    (a) => a,
  );
  return Object.assign(type, { expected });
}

const integer = (u: unknown): number | undefined => {
  if (typeof u === 'number') return Number.isInteger(u) ? u : undefined;
  if (typeof u === 'string' && /^\s*[+-]?\d+\s*$/.test(u)) return Number(u);
  return undefined;
};

const intAtLeast =
  (min: number) =>
  (u: unknown): E.Either<string, number> => {
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
    typeof u === 'string' && (words as readonly string[]).includes(u) ? E.right(u as W) : E.left(''),
  );
}

/** Gunicorn's worker classes that have no Node meaning, and why (for a `-k` that names one). */
const GUNICORN_ONLY_WORKERS: Readonly<Record<string, string>> = {
  gevent: 'greenlets',
  gevent_wsgi: 'greenlets',
  gevent_pywsgi: 'greenlets',
  eventlet: 'greenlets',
  tornado: "Tornado's IOLoop",
  asgi: 'asyncio',
};

/**
 * `--worker-class`: a built-in class (sync, gthread, async), or a module with a user's worker
 * class (MODULE or MODULE:EXPORT, loaded and checked at boot). Gunicorn's classes built on
 * Python event loops and `egg:` entry points are refused here with the reason.
 *
 * @example
 * WorkerClassSpec.decode('./my-worker.mjs:Counting') // right('./my-worker.mjs:Counting')
 * WorkerClassSpec.decode('gevent')                     // left: it is Gunicorn's greenlets worker
 */
export const WorkerClassSpec = codec<string>(
  'WorkerClassSpec',
  `one of ${WORKER_CLASSES.join(', ')}, or a worker class module (MODULE or MODULE:EXPORT)`,
  (u) => {
    if (typeof u !== 'string' || u.trim() === '') return E.left('');
    const python = Object.hasOwn(GUNICORN_ONLY_WORKERS, u) ? GUNICORN_ONLY_WORKERS[u] : undefined;
    if (python)
      return E.left(`Gunicorn's ${u} worker runs on ${python}, which Node does not have; async is Node's own`);
    if (u.startsWith('egg:')) return E.left('egg: entry points are Python packaging; name a module instead');
    return E.right(u);
  },
);

/** A non-empty string. */
export const NonEmptyString = codec('NonEmptyString', 'a non-empty string', (u) =>
  typeof u === 'string' && u.trim() !== '' ? E.right(u) : E.left(''),
);

/** One or more bind addresses (a string, or a list of strings). */
export const BindList = codec<readonly BindAddress[]>(
  'BindList',
  'an address like 127.0.0.1:8000, [::1]:8000, unix:/path or fd://3',
  (u) => {
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
  },
);

/** The first reason a codec gave, for the one-line error. */
export function firstReason(errors: t.Errors): string | undefined {
  return errors.find((e) => e.message !== undefined)?.message;
}

/** A server hook: a function, or null/undefined for none (config files only). */
export const HookFn = codec<((...args: never[]) => unknown) | null>('HookFn', 'a function', (u) =>
  u === undefined || u === null
    ? E.right(null)
    : typeof u === 'function'
      ? E.right(u as (...args: never[]) => unknown)
      : E.left(''),
);

// ---------------------------------------------------------------------------------------------
// The codecs of the full settings registry. Each accepts the native form a config file gives
// (boolean, number, array, object) and the string form a flag or environment variable gives.

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  u !== null && typeof u === 'object' && !Array.isArray(u) && Object.getPrototypeOf(u) === Object.prototype;

/** Decode every item of a list with `item`; the first failure names the item. */
const each = <A>(items: readonly unknown[], item: (u: unknown) => E.Either<string, A>): E.Either<string, A[]> => {
  const out: A[] = [];
  for (const u of items) {
    const r = item(u);
    if (E.isLeft(r)) return r;
    out.push(r.right);
  }
  return E.right(out);
};

/**
 * true or false; strings "true"/"false" in any case, as Gunicorn's `validate_bool` takes them.
 *
 * Why not "yes"/"1": Gunicorn rejects them, and a config that works here should work there.
 *
 * @example
 * Bool.decode('False') // right(false)
 */
export const Bool = codec<boolean>('Bool', 'true or false', (u) => {
  if (typeof u === 'boolean') return E.right(u);
  const word = typeof u === 'string' ? u.trim().toLowerCase() : undefined;
  return word === 'true' ? E.right(true) : word === 'false' ? E.right(false) : E.left('');
});

/** An integer in [min, max] (HTTP/2 window and frame sizes, client-certificate modes). */
export function IntRange(min: number, max: number): Codec<number> {
  return codec(`IntRange(${min},${max})`, `a whole number from ${min} to ${max}`, (u) => {
    const n = integer(u);
    return n !== undefined && n >= min && n <= max ? E.right(n) : E.left('');
  });
}

/**
 * `--cert-reqs`: Gunicorn's 0, 1, 2 (Python's CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED), or the
 * words none, optional, required.
 *
 * @example
 * CertReqs.decode('required') // right(2)
 */
export const CertReqs = codec<0 | 1 | 2>('CertReqs', 'one of 0 (none), 1 (optional), 2 (required)', (u) => {
  const words: Readonly<Record<string, 0 | 1 | 2>> = { none: 0, optional: 1, required: 2 };
  const word = typeof u === 'string' ? words[u.trim().toLowerCase()] : undefined;
  if (word !== undefined) return E.right(word);
  const n = integer(u);
  return n === 0 || n === 1 || n === 2 ? E.right(n) : E.left('');
});

/**
 * A file mode or umask, read like Gunicorn's `int(x, 0)` with a leading 0 meaning octal:
 * "0o22", "022" and 18 are the same; "0x12" works too. 0 to 0o7777.
 *
 * @example
 * FileMode.decode('0600') // right(384)
 */
export const FileMode = codec<number>(
  'FileMode',
  'a file mode like 0o600 or 0600 (octal), or a decimal number, from 0 to 0o7777',
  (u) => {
    let n: number | undefined;
    if (typeof u === 'number') n = Number.isInteger(u) ? u : undefined;
    else if (typeof u === 'string') {
      const s = u.trim().toLowerCase();
      if (/^0o[0-7]+$/.test(s)) n = parseInt(s.slice(2), 8);
      else if (/^0[0-7]+$/.test(s)) n = parseInt(s.slice(1), 8);
      else if (/^0x[0-9a-f]+$/.test(s)) n = parseInt(s.slice(2), 16);
      else if (/^0b[01]+$/.test(s)) n = parseInt(s.slice(2), 2);
      else if (/^(0|[1-9]\d*)$/.test(s)) n = Number(s);
    }
    return n !== undefined && n >= 0 && n <= 0o7777 ? E.right(n) : E.left('');
  },
);

/**
 * A file or directory path: a non-empty string without NUL characters. Existence is checked
 * where the path is used, not here (codecs do no I/O).
 */
export const FilePath = codec<string>('FilePath', 'a file path', (u) =>
  typeof u === 'string' && u.includes('\0')
    ? E.left('it contains a NUL character')
    : typeof u === 'string' && u.trim() !== ''
      ? E.right(u)
      : E.left(''),
);

/**
 * The value of `inner`, or null for "not set" (config files; no flag can say null).
 *
 * @example
 * OrNull(FilePath).decode(null) // right(null)
 */
export function OrNull<A>(inner: Codec<A>): Codec<A | null> {
  return codec<A | null>(`OrNull(${inner.name})`, `${inner.expected}, or null`, (u) => {
    if (u === null || u === undefined) return E.right(null);
    const r = inner.decode(u);
    return E.isRight(r) ? E.right(r.right) : E.left(firstReason(r.left) ?? '');
  });
}

/**
 * A list of strings given as one comma-separated string ("a, b") or as an array; items are
 * trimmed and empty ones dropped, as Gunicorn's `validate_string_list` does.
 *
 * @example
 * CommaList.decode('SCRIPT_NAME, PATH_INFO') // right(['SCRIPT_NAME', 'PATH_INFO'])
 */
export const CommaList = codec<readonly string[]>('CommaList', 'a comma-separated list of words', (u) => {
  const items = typeof u === 'string' ? u.split(',') : Array.isArray(u) ? u : undefined;
  if (items === undefined) return E.left('');
  return E.map((xs: string[]) => xs.map((x) => x.trim()).filter((x) => x !== ''))(
    each(items, (x) => (typeof x === 'string' ? E.right(x) : E.left(`${JSON.stringify(x)} is not a string`))),
  );
});

/**
 * Zero or more non-empty strings: what a repeatable flag collects (`--node-arg A --node-arg B`),
 * or an array in a config file. A single string is a list of one; commas are not split.
 *
 * @example
 * StringArray.decode(['--import=tsx']) // right(['--import=tsx'])
 */
export const StringArray = codec<readonly string[]>('StringArray', 'a list of non-empty strings', (u) => {
  const items = Array.isArray(u) ? u : [u];
  return each(items, (x) =>
    typeof x === 'string' && x !== ''
      ? E.right(x)
      : E.left(`${JSON.stringify(x) ?? String(x)} is not a non-empty string`),
  );
});

/**
 * KEY=VALUE pairs (`-e KEY=VALUE`, repeatable), kept as "KEY=VALUE" strings in order (later ones
 * win when applied). A config file may also give an object `{ KEY: 'value' }`.
 *
 * @example
 * KeyValueList.decode(['A=1', 'B=x=y']) // right(['A=1', 'B=x=y'])
 * KeyValueList.decode({ A: '1' })        // right(['A=1'])
 */
export const KeyValueList = codec<readonly string[]>('KeyValueList', 'KEY=VALUE (or a list of them)', (u) => {
  if (isPlainObject(u)) {
    const out: string[] = [];
    for (const [k, v] of Object.entries(u)) {
      if (typeof v !== 'string') return E.left(`the value of ${k} is not a string`);
      out.push(`${k}=${v}`);
    }
    return E.right(out);
  }
  return each(Array.isArray(u) ? u : [u], (item) => {
    if (typeof item !== 'string') return E.left(`${JSON.stringify(item) ?? String(item)} is not a string`);
    const eq = item.indexOf('=');
    if (eq < 0) return E.left(`"${item}" has no "="`);
    return eq === 0 ? E.left(`"${item}" has no name before "="`) : E.right(item);
  });
});

/**
 * A string → string object (secure_scheme_headers); a JSON object string is accepted too.
 *
 * @example
 * StringDict.decode({ 'X-FORWARDED-PROTO': 'https' }) // right(the same)
 */
export const StringDict = codec<Readonly<Record<string, string>>>(
  'StringDict',
  'an object of strings, like {"X-FORWARDED-PROTO": "https"}',
  (u) => {
    const obj = typeof u === 'string' ? parseJson(u) : u;
    if (!isPlainObject(obj)) return E.left('');
    for (const [k, v] of Object.entries(obj))
      if (typeof v !== 'string') return E.left(`the value of ${k} is not a string`);
    return E.right(obj as Record<string, string>);
  },
);

/** Any plain object (a JSON object string is accepted too). */
export const JsonObject = codec<Readonly<Record<string, unknown>>>('JsonObject', 'an object', (u) => {
  const obj = typeof u === 'string' ? parseJson(u) : u;
  return isPlainObject(obj) ? E.right(obj) : E.left('');
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * One of a fixed set of words, also taking aliases (case-insensitive; booleans as "true"/"false",
 * null as "none"), as Gunicorn's `--proxy-protocol` takes true/1 for auto.
 *
 * @example
 * OneOfAliased(['off', 'auto'], { true: 'auto', none: 'off' }).decode(true) // right('auto')
 */
export function OneOfAliased<const W extends string>(
  words: readonly W[],
  aliases: Readonly<Record<string, W>>,
): Codec<W> {
  return codec(`OneOfAliased(${words.join('|')})`, `one of ${words.join(', ')}`, (u) => {
    const word =
      typeof u === 'string'
        ? u.trim().toLowerCase()
        : typeof u === 'boolean' || typeof u === 'number'
          ? String(u)
          : u === null
            ? 'none'
            : undefined;
    if (word === undefined) return E.left('');
    const found =
      words.find((w) => w.toLowerCase() === word) ?? (Object.hasOwn(aliases, word) ? aliases[word] : undefined);
    return found !== undefined ? E.right(found) : E.left('');
  });
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The 32 bits of a dotted IPv4 address as a bigint (assumes IPV4 matched). */
const v4Bits = (ip: string): bigint => ip.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);

/** The 128 bits of an IPv6 address, or undefined when it is not one (no zone ids, as Python's ip_network). */
function v6Bits(ip: string): bigint | undefined {
  const lastColon = ip.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  let text = ip;
  const last = ip.slice(lastColon + 1);
  if (last.includes('.')) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
    if (!IPV4.test(last)) return undefined;
    const b = v4Bits(last);
    text = `${ip.slice(0, lastColon + 1)}${(b >> 16n).toString(16)}:${(b & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groups(halves[0] ?? '');
  const rest = groups(halves[1] ?? '');
  if (![...head, ...rest].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  const given = head.length + rest.length;
  if (halves.length === 2 ? given > 7 : given !== 8) return undefined;
  const all = [...head, ...Array<string>(8 - given).fill('0'), ...rest];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** Why `text` is not an IP address or a strict CIDR network (Python's `ip_network(text)`), or undefined when it is. */
function networkProblem(text: string): string | undefined {
  const [address = '', prefix, extra] = text.split('/');
  if (extra !== undefined) return `"${text}" is not an IP address or network`;
  const v4 = IPV4.test(address);
  const bits = v4 ? v4Bits(address) : v6Bits(address);
  if (bits === undefined) return `"${text}" is not an IP address or network`;
  if (prefix === undefined) return undefined;
  const width = v4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > width) return `"${text}" has a bad prefix length (0-${width})`;
  const hostBits = BigInt(width - Number(prefix));
  return (bits & ((1n << hostBits) - 1n)) === 0n ? undefined : `"${text}" has host bits set`;
}

/**
 * Trusted peers: IP addresses and CIDR networks, comma-separated or as an array, or `*` for
 * all. Networks are strict, as in Gunicorn (10.0.0.1/8 is refused: host bits set).
 *
 * @example
 * IpList.decode('127.0.0.1, ::1, 10.0.0.0/8') // right(['127.0.0.1', '::1', '10.0.0.0/8'])
 */
export const IpList = codec<readonly string[]>(
  'IpList',
  'a comma-separated list of IP addresses or CIDR networks, or *',
  (u) => {
    const list = CommaList.decode(u);
    if (E.isLeft(list)) return E.left(firstReason(list.left) ?? '');
    for (const item of list.right) {
      const problem = item === '*' ? undefined : networkProblem(item);
      if (problem) return E.left(problem);
    }
    return E.right(list.right);
  },
);

/**
 * HTTP protocols in order of preference, from h1, h2, h3, comma-separated or as an array, no
 * repeats, at least one.
 *
 * @example
 * HttpProtocols.decode('h2,h1') // right(['h2', 'h1'])
 */
export const HttpProtocols = codec<ReadonlyArray<'h1' | 'h2' | 'h3'>>(
  'HttpProtocols',
  'a comma-separated list of h1, h2, h3',
  (u) => {
    const list = CommaList.decode(u);
    if (E.isLeft(list)) return E.left(firstReason(list.left) ?? '');
    const items = list.right.map((p) => p.toLowerCase());
    if (items.length === 0) return E.left('no protocol');
    const bad = items.find((p) => p !== 'h1' && p !== 'h2' && p !== 'h3');
    if (bad !== undefined) return E.left(`"${bad}" is not a protocol`);
    const repeated = items.find((p, i) => items.indexOf(p) !== i);
    if (repeated !== undefined) return E.left(`${repeated} is listed twice`);
    return E.right(items as Array<'h1' | 'h2' | 'h3'>);
  },
);

/**
 * An APP spec (`module`, `module:export`, `module:factory(args)`), checked by the same parser
 * as the positional argument; kept as the string.
 */
export const AppUri = codec<string>('AppUri', 'an app like server.mjs or server.mjs:app', (u) => {
  if (typeof u !== 'string') return E.left('');
  const parsed = parseAppSpec(u);
  return E.isRight(parsed) ? E.right(u.trim()) : E.left(parsed.left);
});

/** The config file: `PATH` or `file:PATH` (Gunicorn's `python:MODULE` has no meaning here). */
export const ConfigPath = codec<string>('ConfigPath', 'a config file path (PATH or file:PATH)', (u) => {
  if (typeof u === 'string' && u.trim().startsWith('python:'))
    return E.left('python:MODULE is not supported; give a file path');
  const path = FilePath.decode(typeof u === 'string' && u.startsWith('file:') ? u.slice(5) : u);
  return E.isRight(path) ? E.right(u as string) : E.left(firstReason(path.left) ?? '');
});

/**
 * A user or group: a name, or a numeric id (decoded to a number). Whether the name exists is
 * checked where it is used.
 *
 * @example
 * UserOrGroup.decode('1000') // right(1000)
 */
export const UserOrGroup = codec<string | number>('UserOrGroup', 'a user or group name, or a numeric id', (u) => {
  const n = integer(u);
  if (n !== undefined) return n >= 0 ? E.right(n) : E.left('');
  return typeof u === 'string' && /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(u.trim()) ? E.right(u.trim()) : E.left('');
});

const isHost = (h: string) => /^[A-Za-z0-9._-]+$/.test(h) || v6Bits(h) !== undefined;
const isPort = (p: string) => /^\d{1,5}$/.test(p) && Number(p) <= 65535;

/**
 * A syslog address: `unix://PATH[#stream|#dgram]`, `udp://HOST:PORT` or `tcp://HOST:PORT`
 * (port defaults to 514).
 */
export const SyslogAddress = codec<string>(
  'SyslogAddress',
  'a syslog address like unix:///dev/log, udp://HOST:514 or tcp://HOST:514',
  (u) => {
    if (typeof u !== 'string') return E.left('');
    const s = u.trim();
    const unix = /^unix:\/\/(.+?)(#(stream|dgram))?$/.exec(s);
    if (unix) return E.right(s);
    const net = /^(udp|tcp):\/\/(\[[^\]]+\]|[^:/]+)(:(\d+))?$/.exec(s);
    if (!net) return E.left('');
    const host = (net[2] ?? '').replace(/^\[|\]$/g, '');
    if (!isHost(host)) return E.left(`bad host "${host}"`);
    return net[4] === undefined || isPort(net[4]) ? E.right(s) : E.left(`bad port "${net[4]}"`);
  },
);

/**
 * A StatsD address: `HOST[:PORT]` (port defaults to 8125), `unix://PATH` or `unix:PATH`. As in
 * Gunicorn, `unix:NNN` (digits only) is the legacy form of host `unix`, port NNN.
 */
export const StatsdAddress = codec<string>(
  'StatsdAddress',
  'a StatsD address like localhost:8125 or unix:///run/statsd.sock',
  (u) => {
    if (typeof u !== 'string') return E.left('');
    const s = u.trim();
    if (s.startsWith('unix://')) return s.length > 7 ? E.right(s) : E.left('unix:// needs a socket path');
    if (/^unix:(?!\d*$)/.test(s)) return E.right(s);
    const m = /^(\[[^\]]+\]|[^:]+)(:(.*))?$/.exec(s);
    if (!m) return E.left('');
    const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
    if (!isHost(host)) return E.left(`bad host "${host}"`);
    return m[3] === undefined || isPort(m[3]) ? E.right(s) : E.left(`bad port "${m[3]}"`);
  },
);

/**
 * One TCP address, `HOST:PORT` (Gunicorn's bind syntax, `parseBind`; `[::1]:9100` for IPv6),
 * for a server of runicorn's own such as `--metrics-bind`.
 *
 * @example
 * TcpAddress.decode('127.0.0.1:9100') // right({ kind: 'tcp', host: '127.0.0.1', port: 9100 })
 */
export const TcpAddress = codec<Extract<BindAddress, { kind: 'tcp' }>>(
  'TcpAddress',
  'an address like 127.0.0.1:9100 or [::1]:9100',
  (u) => {
    if (typeof u !== 'string') return E.left('');
    if (!/:\d+$/.test(u.trim())) return E.left('give the port: HOST:PORT');
    const parsed = parseBind(u);
    if (E.isLeft(parsed)) return parsed;
    return parsed.right.kind === 'tcp' ? E.right(parsed.right) : E.left('only a TCP HOST:PORT is served');
  },
);

/** Any string, empty included (prefixes, tags, paths that may be ""). */
/** Gunicorn's access log format (`%(atom)s` directives; `%%` for a percent sign). */
export const AccessLogFormatString = codec<string>(
  'AccessLogFormatString',
  'an access log format like \'%(h)s "%(r)s" %(s)s\'',
  (u) =>
    typeof u !== 'string' || u.trim() === ''
      ? E.left('')
      : pipe(
          compileAccessFormat(u),
          E.map(() => u),
        ),
);

export const Text = codec<string>('Text', 'a string', (u) => (typeof u === 'string' ? E.right(u) : E.left('')));

/**
 * Dirty apps: each `MODULE:EXPORT`, or `MODULE:EXPORT:N` for only N dirty workers (N ≥ 1);
 * repeatable, or an array in a config file.
 *
 * @example
 * DirtyAppList.decode(['tasks.mjs:Resizer:2']) // right(['tasks.mjs:Resizer:2'])
 */
export const DirtyAppList = codec<readonly string[]>(
  'DirtyAppList',
  'a list of MODULE:EXPORT or MODULE:EXPORT:N (N ≥ 1)',
  (u) => {
    const items = Array.isArray(u) ? u : [u];
    return each(items, (x) => {
      if (typeof x !== 'string') return E.left(`${JSON.stringify(x) ?? String(x)} is not a string`);
      const m = /^(.+):([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)(?::(\d+))?$/.exec(x.trim());
      if (!m || (m[1] ?? '').trim() === '') return E.left(`"${x}" is not MODULE:EXPORT[:N]`);
      return m[3] !== undefined && Number(m[3]) < 1 ? E.left(`"${x}" asks for ${m[3]} workers`) : E.right(x.trim());
    });
  },
);
