/**
 * Metrics settings: StatsD (Gunicorn's) and the Prometheus endpoint (runicorn's own).
 *
 * They sit in Gunicorn's Logging section of the reference, as Gunicorn lists them there.
 *
 * @example
 * metrics.statsdHost.flags // ['--statsd-host']
 */
import { Bool, CommaList, OrNull, StatsdAddress, TcpAddress, Text } from '../../streams/codecs';
import { constant, setting, supported } from './setting';

const statsd = supported;

export const metrics = {
  statsdHost: setting({
    name: 'statsdHost',
    gunicorn: 'statsd_host',
    flags: ['--statsd-host'],
    metavar: 'STATSD_ADDR',
    arity: 'value',
    codec: OrNull(StatsdAddress),
    default: constant(null),
    section: 'Logging',
    support: statsd,
    doc: 'Send metrics to this StatsD server: HOST[:PORT] (port 8125) or unix://PATH.\n\nEvery worker sends its requests; the arbiter sends the worker count and log counts. See docs/metrics.md.',
  }),
  dogstatsdTags: setting({
    name: 'dogstatsdTags',
    gunicorn: 'dogstatsd_tags',
    flags: ['--dogstatsd-tags'],
    metavar: 'DOGSTATSD_TAGS',
    arity: 'value',
    codec: CommaList,
    default: constant([]),
    section: 'Logging',
    support: statsd,
    doc: 'Comma-separated DogStatsD tags (key:value) added to every metric.',
  }),
  statsdPrefix: setting({
    name: 'statsdPrefix',
    gunicorn: 'statsd_prefix',
    flags: ['--statsd-prefix'],
    metavar: 'STATSD_PREFIX',
    arity: 'value',
    codec: Text,
    default: constant(''),
    section: 'Logging',
    support: statsd,
    doc: 'A prefix for every metric name (a dot is added).',
  }),
  enableBacklogMetric: setting({
    name: 'enableBacklogMetric',
    gunicorn: 'enable_backlog_metric',
    flags: ['--enable-backlog-metric'],
    arity: 'switch',
    codec: Bool,
    default: constant(false),
    section: 'Logging',
    doc:
      'Also report how many connections wait in the listen backlog of the TCP listeners (Linux).\n\n'
      + 'StatsD gets the runicorn.backlog histogram each second; --metrics-bind gets runicorn_listen_backlog.',
    support: supported,
  }),
  metricsBind: setting({
    name: 'metricsBind',
    flags: ['--metrics-bind'],
    metavar: 'HOST:PORT',
    arity: 'value',
    codec: OrNull(TcpAddress),
    show: (value) =>
      value === null
        ? 'null'
        : value.host.includes(':')
          ? `[${value.host}]:${value.port}`
          : `${value.host}:${value.port}`,
    default: constant(null),
    section: 'Logging',
    support: supported,
    doc: "Serve Prometheus metrics at GET /metrics on this address, from the arbiter.\n\nThe arbiter asks every worker for its metrics over IPC at each scrape and sums them; the app's listeners never see a scrape. Not in Gunicorn. See docs/metrics.md.",
  }),
};
