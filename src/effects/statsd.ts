/**
 * A StatsD client for Gunicorn's metrics (`--statsd-host`): Gunicorn's lines, sent by hot-shots.
 *
 * The lines are Gunicorn's, byte for byte, with `runicorn.` in place of `gunicorn.`, after the
 * user's `--statsd-prefix` (a dot added): `app.runicorn.requests:1|c|@1.0`, `…duration:4.2|ms`,
 * `…workers:2|g`, and `--dogstatsd-tags` as `|#a:b,c:d` on each. Values are sent as they are,
 * zero included (Gunicorn 26.1).
 *
 * Why the lines are written here and hot-shots only carries them: a hot-shots metric call costs
 * about 1.6 µs even buffered (tag merging, name sanitising, measuring its whole buffer), 5 µs for
 * the three metrics of a request, a tenth of a hello-world request. Appending three short strings
 * costs about 0.1 µs. Workers gather lines into datagrams of at most `STATSD_BUFFER_BYTES`, sent
 * within `STATSD_FLUSH_MS`; hot-shots keeps what it is good at: the UDP or unix socket, cached DNS,
 * and reporting failures.
 *
 * Why it can never hurt serving: nothing here throws (construction, a send, an address that does
 * not resolve or a server that is not there); the first failure is logged once at warning level
 * and later ones are dropped in silence, as the metrics are.
 *
 * @example
 * const statsd = statsdClient({ host: '127.0.0.1:8125', prefix: 'app', tags: [], buffered: true, warn });
 * statsd.increment('requests'); // app.runicorn.requests:1|c|@1.0
 */
import { hotShotsClient } from './lazy-modules';
import { errorLine } from './error-text';

export interface StatsdSettings {
  /** `HOST[:PORT]`, `[IPv6]:PORT`, `unix://PATH` or `unix:PATH` (as `--statsd-host` accepts it). */
  readonly host: string;
  /** `--statsd-prefix`: put before `runicorn.`, with a dot. */
  readonly prefix: string;
  /** `--dogstatsd-tags`: `key:value` items, sent as `|#a:b,c:d`. */
  readonly tags: readonly string[];
  /** Gather lines and send them a few at a time (workers); otherwise each at once (the arbiter). */
  readonly buffered: boolean;
  /** Told once, at the first failure to send. */
  readonly warn: (message: string) => void;
}

export interface Statsd {
  /** `name:value|c|@1.0` */
  increment(name: string, value?: number): void;
  /** `name:ms|ms`, in milliseconds with microseconds (three decimals), as Gunicorn. */
  timing(name: string, ms: number): void;
  /** `name:value|g` */
  gauge(name: string, value: number): void;
  /** `name:value|h` */
  histogram(name: string, value: number): void;
  /** Send what is gathered and close the socket. */
  close(): void;
}

/** The largest datagram a worker gathers over UDP: it fits an Ethernet MTU unfragmented. */
export const STATSD_BUFFER_BYTES = 1432;
/** Over a unix socket, where no MTU applies (Datadog's advice for its agent). */
export const STATSD_UDS_BUFFER_BYTES = 8192;
/** How long a worker keeps lines at most before sending them. */
export const STATSD_FLUSH_MS = 200;

/** Where to send: a UDP host and port, or a unix datagram socket. */
export type StatsdTarget =
  | { readonly protocol: 'udp'; readonly host: string; readonly port: number }
  | { readonly protocol: 'uds'; readonly path: string };

/**
 * Gunicorn's reading of `--statsd-host`: the port defaults to 8125; `unix:NNN` with digits only is
 * host `unix`, port NNN (its legacy form).
 *
 * @example
 * statsdTarget('unix:///run/statsd.sock') // { protocol: 'uds', path: '/run/statsd.sock' }
 */
export function statsdTarget(address: string): StatsdTarget {
  const s = address.trim();
  if (s.startsWith('unix://')) return { protocol: 'uds', path: s.slice(7) };
  if (/^unix:(?!\d*$)/.test(s)) return { protocol: 'uds', path: s.slice(5) };
  const m = /^(\[([^\]]+)\]|[^:]+)(:(\d+))?$/.exec(s);
  return { protocol: 'udp', host: m?.[2] ?? m?.[1] ?? s, port: m?.[4] ? Number(m[4]) : 8125 };
}

/** `app` → `app.runicorn.`; `''` → `runicorn.` */
export const statsdPrefix = (prefix: string): string =>
  `${prefix === '' || prefix.endsWith('.') ? prefix : `${prefix}.`}runicorn.`;

const describe = (t: StatsdTarget) => (t.protocol === 'uds' ? `unix://${t.path}` : `${t.host}:${t.port}`);

/** What hot-shots does with a whole message: send it as one datagram (its `send`, untyped). */
interface Carrier {
  send(message: string, tags: undefined, cardinality: undefined, callback: (err?: Error) => void): void;
  close(callback: (err?: Error) => void): void;
}

/** A tag as DogStatsD reads it: no separator characters inside. */
const cleanTag = (tag: string) => tag.replace(/[|,\n\r]/g, '_');

export function statsdClient(settings: StatsdSettings): Statsd {
  const target = statsdTarget(settings.host);
  let warned = false;
  const fail = (err: unknown) => {
    if (!err || warned) return;
    warned = true;
    try {
      settings.warn(
        `StatsD: cannot send to ${describe(target)}: ${errorLine(err)}; metrics are dropped until it answers (said once)`,
      );
    } catch {
      // A warning that cannot be written must not reach the request.
    }
  };
  let carrier: Carrier | undefined;
  try {
    const StatsD = hotShotsClient();
    carrier = new StatsD({
      ...(target.protocol === 'uds' ? { protocol: 'uds', path: target.path } : target),
      // Gunicorn's lines only: no DogStatsD extras read from DD_* variables, no telemetry.
      datadog: false,
      includeDataDogTags: false,
      includeDatadogTelemetry: false,
      cacheDns: true,
      maxBufferSize: 0,
      errorHandler: fail,
      ...(target.protocol === 'uds' ? { udsGracefulErrorHandling: true } : {}),
    }) as unknown as Carrier;
  } catch (err) {
    fail(err);
  }
  const limit = target.protocol === 'uds' ? STATSD_UDS_BUFFER_BYTES : STATSD_BUFFER_BYTES;
  const prefix = statsdPrefix(settings.prefix);
  const suffix = settings.tags.length > 0 ? `|#${settings.tags.map(cleanTag).join(',')}` : '';
  let pending = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const message = pending;
    pending = '';
    if (message === '' || !carrier) return;
    try {
      carrier.send(message, undefined, undefined, fail);
    } catch (err) {
      fail(err);
    }
  };
  const put = (line: string) => {
    if (!carrier) return;
    const whole = prefix + line + suffix;
    if (!settings.buffered) {
      pending = whole;
      return flush();
    }
    if (pending.length + whole.length + 1 > limit) flush();
    pending = pending === '' ? whole : `${pending}\n${whole}`;
    if (!timer) {
      timer = setTimeout(flush, STATSD_FLUSH_MS);
      // Gathered lines never keep a process alive.
      timer.unref();
    }
  };
  return {
    increment: (name, value = 1) => put(`${name}:${value}|c|@1.0`),
    timing: (name, ms) => put(`${name}:${Math.round(ms * 1000) / 1000}|ms`),
    gauge: (name, value) => put(`${name}:${value}|g`),
    histogram: (name, value) => put(`${name}:${value}|h`),
    close() {
      flush();
      try {
        carrier?.close(() => undefined);
      } catch {
        // Closing is best effort.
      }
      carrier = undefined;
    },
  };
}
