/**
 * What the metrics need from the configuration, read the same way in the arbiter (from `Config`)
 * and in a worker (from the JSON snapshot in its options), and the error-log counters both send.
 *
 * @example
 * const m = metricsSettingsOf(options.config);
 * if (m.statsdHost !== null) statsdClient({ host: m.statsdHost, … });
 */
import * as E from 'fp-ts/Either';
import { parseBind } from '../streams/bind-address';
import type { LogLevel } from '../streams/commands';

export interface MetricsSettings {
  /** `--statsd-host`, or null: no StatsD. */
  readonly statsdHost: string | null;
  readonly statsdPrefix: string;
  readonly dogstatsdTags: readonly string[];
  /** `--metrics-bind`, or null: no Prometheus endpoint. */
  readonly metricsBind: { readonly host: string; readonly port: number } | null;
}

const text = (u: unknown, fallback: string) => (typeof u === 'string' ? u : fallback);

/** The metrics settings of a resolved configuration (or its JSON snapshot). */
export function metricsSettingsOf(config: Readonly<Record<string, unknown>>): MetricsSettings {
  // The snapshot a worker gets shows the address as text, as `--print-config` does.
  const raw = config.metricsBind;
  const parsed = typeof raw === 'string' ? parseBind(raw) : undefined;
  const bind = (parsed && E.isRight(parsed) ? parsed.right : raw) as
    | { host?: unknown; port?: unknown }
    | null
    | undefined;
  return {
    statsdHost: typeof config.statsdHost === 'string' && config.statsdHost !== '' ? config.statsdHost : null,
    statsdPrefix: text(config.statsdPrefix, ''),
    dogstatsdTags: Array.isArray(config.dogstatsdTags) ? config.dogstatsdTags.map(String) : [],
    metricsBind:
      bind && typeof bind.host === 'string' && typeof bind.port === 'number'
        ? { host: bind.host, port: bind.port }
        : null,
  };
}

/** A stack trace in a log message: `\n    at fn (file:1:2)`. */
const STACK = /\n\s+at /;

/**
 * The StatsD counter a log line adds to, as Gunicorn's `log.critical`, `log.error`,
 * `log.warning` and `log.exception`; undefined for info and debug.
 *
 * Gunicorn counts `log.exception` (not `log.error`) for what it logs with a traceback, such as an
 * app's exception ("Error handling request"); here that is an error whose message carries a
 * stack trace (an app or stage exception, a fault, a failed hook).
 *
 * @example
 * logCounter('error', 'Error handling request GET /: Error: boom\n    at …') // 'log.exception'
 */
export function logCounter(level: LogLevel, message: string): string | undefined {
  switch (level) {
    case 'critical':
      return 'log.critical';
    case 'error':
      return STACK.test(message) ? 'log.exception' : 'log.error';
    case 'warning':
      return 'log.warning';
    default:
      return undefined;
  }
}
