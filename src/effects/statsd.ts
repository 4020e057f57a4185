/**
 * A StatsD client for Gunicorn's metrics (`--statsd-host`), over hot-shots.
 *
 * Gunicorn's names with `runicorn.` in place of `gunicorn.`, after the user's `--statsd-prefix`
 * (a dot added), and `--dogstatsd-tags` as `|#tag,tag` on every line. Values are sent as they
 * are, zero included (Gunicorn 26.1). A counter is `name:1|c`: Gunicorn writes `|c|@1.0`, a
 * sample rate of 1, which StatsD assumes when none is given.
 *
 * Why it can never hurt serving: nothing here throws (construction, a send, an address that does
 * not resolve or a server that is not there); the first failure is logged once at warning level
 * and later ones are dropped in silence, as the metrics are. Workers buffer their lines and send
 * them together (`buffered`), so a request costs a string append, not a datagram.
 *
 * @example
 * const statsd = statsdClient({ host: '127.0.0.1:8125', prefix: 'app', tags: [], buffered: true, warn });
 * statsd.increment('requests'); // app.runicorn.requests:1|c
 */
import StatsD from 'hot-shots';
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
  /** `name:value|c` */
  increment(name: string, value?: number): void;
  /** `name:ms|ms`, in milliseconds with microseconds (three decimals), as Gunicorn. */
  timing(name: string, ms: number): void;
  /** `name:value|g` */
  gauge(name: string, value: number): void;
  /** `name:value|h` */
  histogram(name: string, value: number): void;
  /** Send what is buffered and close the socket. */
  close(): void;
}

/** The largest datagram a worker's buffer fills before it is sent: fits an Ethernet MTU unfragmented. */
export const STATSD_BUFFER_BYTES = 1432;
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

/** A client that sends nothing (the settings could not make a real one). */
const silent: Statsd = {
  increment: () => undefined,
  timing: () => undefined,
  gauge: () => undefined,
  histogram: () => undefined,
  close: () => undefined,
};

export function statsdClient(settings: StatsdSettings): Statsd {
  const target = statsdTarget(settings.host);
  let warned = false;
  const fail = (err: unknown) => {
    if (warned) return;
    warned = true;
    try {
      settings.warn(
        `StatsD: cannot send to ${describe(target)}: ${errorLine(err)}; metrics are dropped until it answers (said once)`,
      );
    } catch {
      // A warning that cannot be written must not reach the request.
    }
  };
  let client: InstanceType<typeof StatsD>;
  try {
    client = new StatsD({
      ...(target.protocol === 'uds' ? { protocol: 'uds', path: target.path } : target),
      prefix: statsdPrefix(settings.prefix),
      globalTags: [...settings.tags],
      // Gunicorn's lines only: no DogStatsD extras read from DD_* variables, no telemetry.
      datadog: false,
      includeDataDogTags: false,
      includeDatadogTelemetry: false,
      cacheDns: true,
      maxBufferSize: settings.buffered ? STATSD_BUFFER_BYTES : 0,
      bufferFlushInterval: STATSD_FLUSH_MS,
      errorHandler: fail,
      ...(target.protocol === 'uds' ? { udsGracefulErrorHandling: true } : {}),
    });
    // hot-shots also hands socket errors to errorHandler, and unrefs its socket and flush timer,
    // so neither keeps a process alive.
  } catch (err) {
    fail(err);
    return silent;
  }
  const guard =
    <A extends unknown[]>(send: (...args: A) => void) =>
    (...args: A) => {
      try {
        send(...args);
      } catch (err) {
        fail(err);
      }
    };
  return {
    increment: guard((name: string, value = 1) => client.increment(name, value)),
    timing: guard((name: string, ms: number) => client.timing(name, Math.round(ms * 1000) / 1000)),
    gauge: guard((name: string, value: number) => client.gauge(name, value)),
    histogram: guard((name: string, value: number) => client.histogram(name, value)),
    close: guard(() => client.close(fail)),
  };
}
