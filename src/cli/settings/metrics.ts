/**
 * Metrics settings: StatsD (Gunicorn's) and the Prometheus endpoint (runicorn's own).
 *
 * They sit in Gunicorn's Logging section of the reference, as Gunicorn lists them there.
 *
 * @example
 * metrics.statsdHost.flags // ['--statsd-host']
 */
import { Bool, CommaList, OrNull, StatsdAddress, Text } from '../../streams/codecs';
import { constant, planned, setting } from './setting';

const statsd = planned('statsd');

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
    doc: 'Send metrics to this StatsD server: HOST[:PORT] (port 8125) or unix://PATH.',
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
    support: statsd,
    doc: 'Also report how many connections wait in the listen backlog (Linux).',
  }),
};
