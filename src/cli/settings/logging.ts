/**
 * Logging settings: the error and access logs, syslog and StatsD.
 *
 * @example
 * logging.logLevel.flags // ['--log-level']
 */
import {
  Bool, CommaList, FilePath, JsonObject, NonEmptyString, OneOf, OrNull, StatsdAddress, SyslogAddress, Text,
} from '../../streams/codecs';
import { constant, notApplicable, planned, setting, supported } from './setting';
import { LOG_LEVELS } from '../../streams/commands';


export const SYSLOG_FACILITIES = [
  'auth', 'authpriv', 'cron', 'daemon', 'ftp', 'kern', 'lpr', 'mail', 'news', 'security', 'syslog', 'user', 'uucp',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

/** Gunicorn's access log format: the combined log format. */
export const DEFAULT_ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"';

const logs = planned('logging');
const syslog = planned('syslog');
const statsd = planned('statsd');
const pythonLogging = notApplicable('it configures Python\'s logging module, which has no Node counterpart');

export const logging = {
  accesslog: setting({
    name: 'accesslog', gunicorn: 'accesslog', flags: ['--access-logfile'], metavar: 'FILE', arity: 'value',
    codec: OrNull(FilePath), default: constant(null), section: 'Logging', support: logs,
    doc: 'The access log file; - means stdout; null (the default) logs no requests.',
  }),
  disableRedirectAccessToSyslog: setting({
    name: 'disableRedirectAccessToSyslog', gunicorn: 'disable_redirect_access_to_syslog',
    flags: ['--disable-redirect-access-to-syslog'], arity: 'switch', codec: Bool, default: constant(false),
    section: 'Logging', support: syslog, doc: 'With --log-syslog, do not send access log lines to syslog.',
  }),
  accessLogFormat: setting({
    name: 'accessLogFormat', gunicorn: 'access_log_format', flags: ['--access-logformat', '--access-log-format'],
    metavar: 'STRING', arity: 'value', codec: NonEmptyString, default: constant(DEFAULT_ACCESS_LOG_FORMAT),
    section: 'Logging', support: logs,
    doc: 'The access log line, in Gunicorn\'s %(atom)s format.\n\n'
      + 'Atoms: h remote address, l "-", u user, t time, r request line, m method, U path, q query, H protocol, '
      + 's status, B or b response length, f referer, a user agent, T/D/M/L request time (s, µs, ms, decimal s), '
      + 'p process id, {name}i request header, {name}o response header, {name}e environment variable.',
  }),
  errorlog: setting({
    name: 'errorlog', gunicorn: 'errorlog', flags: ['--error-logfile', '--log-file'], metavar: 'FILE', arity: 'value',
    codec: FilePath, default: constant('-'), section: 'Logging', support: logs,
    doc: 'The error log file; - (the default) means stderr.',
  }),
  logLevel: setting({
    name: 'logLevel', gunicorn: 'loglevel', flags: ['--log-level'], metavar: 'LEVEL', arity: 'value',
    codec: OneOf(LOG_LEVELS), default: constant('info'), section: 'Logging', support: supported,
    doc: 'The granularity of error log output: debug, info, warning, error or critical.',
  }),
  captureOutput: setting({
    name: 'captureOutput', gunicorn: 'capture_output', flags: ['--capture-output'], arity: 'switch', codec: Bool,
    default: constant(false), section: 'Logging', support: logs,
    doc: 'Send what the app writes to stdout and stderr to the error log file (when it is not -).',
  }),
  loggerClass: setting({
    name: 'loggerClass', gunicorn: 'logger_class', flags: ['--logger-class'], metavar: 'STRING', arity: 'value',
    codec: NonEmptyString, default: constant('simple'), section: 'Logging',
    support: notApplicable('it names a Python logger class; runicorn\'s logger is not replaced by class path'),
    doc: 'The logger class (Gunicorn\'s default, gunicorn.glogging.Logger, is called simple).',
  }),
  logconfig: setting({
    name: 'logconfig', gunicorn: 'logconfig', flags: ['--log-config'], metavar: 'FILE', arity: 'value',
    codec: OrNull(FilePath), default: constant(null), section: 'Logging', support: pythonLogging,
    doc: 'A logging configuration file in Python\'s logging.config ini format.',
  }),
  logconfigDict: setting({
    name: 'logconfigDict', gunicorn: 'logconfig_dict', flags: [], arity: 'value', codec: JsonObject,
    default: constant({}), section: 'Logging', support: pythonLogging,
    doc: 'A logging configuration in Python\'s logging.config dictionary format (config file only).',
  }),
  logconfigJson: setting({
    name: 'logconfigJson', gunicorn: 'logconfig_json', flags: ['--log-config-json'], metavar: 'FILE', arity: 'value',
    codec: OrNull(FilePath), default: constant(null), section: 'Logging', support: pythonLogging,
    doc: 'A JSON file in Python\'s logging.config dictionary format.',
  }),
  syslogAddr: setting({
    name: 'syslogAddr', gunicorn: 'syslog_addr', flags: ['--log-syslog-to'], metavar: 'SYSLOG_ADDR', arity: 'value',
    codec: OrNull(SyslogAddress), default: constant(null), section: 'Logging', support: syslog,
    doc: 'Where syslog messages go: unix://PATH[#stream|#dgram], udp://HOST:PORT or tcp://HOST:PORT.\n\n'
      + 'null (the default) means the platform\'s syslog, as Gunicorn picks it: unix:///var/run/syslog on macOS, '
      + 'unix:///var/run/log on FreeBSD and DragonFly, unix:///dev/log on OpenBSD, else udp://localhost:514.',
  }),
  syslog: setting({
    name: 'syslog', gunicorn: 'syslog', flags: ['--log-syslog'], arity: 'switch', codec: Bool, default: constant(false),
    section: 'Logging', support: syslog, doc: 'Send the error log (and the access log) to syslog too.',
  }),
  syslogPrefix: setting({
    name: 'syslogPrefix', gunicorn: 'syslog_prefix', flags: ['--log-syslog-prefix'], metavar: 'SYSLOG_PREFIX',
    arity: 'value', codec: OrNull(NonEmptyString), default: constant(null), section: 'Logging', support: syslog,
    doc: 'The syslog program name is runicorn.PREFIX.error or .access; the default prefix is the process name.',
  }),
  syslogFacility: setting({
    name: 'syslogFacility', gunicorn: 'syslog_facility', flags: ['--log-syslog-facility'], metavar: 'SYSLOG_FACILITY',
    arity: 'value', codec: OneOf(SYSLOG_FACILITIES), default: constant('user'), section: 'Logging', support: syslog,
    doc: 'The syslog facility: user, daemon, local0 to local7, and the other standard names.',
  }),
  enableStdioInheritance: setting({
    name: 'enableStdioInheritance', gunicorn: 'enable_stdio_inheritance', flags: ['-R', '--enable-stdio-inheritance'],
    arity: 'switch', codec: Bool, default: constant(false), section: 'Logging', support: planned('daemon'),
    doc: 'With --daemon, keep stdout and stderr when they are files or pipes instead of sending them to /dev/null.',
  }),
  statsdHost: setting({
    name: 'statsdHost', gunicorn: 'statsd_host', flags: ['--statsd-host'], metavar: 'STATSD_ADDR', arity: 'value',
    codec: OrNull(StatsdAddress), default: constant(null), section: 'Logging', support: statsd,
    doc: 'Send metrics to this StatsD server: HOST[:PORT] (port 8125) or unix://PATH.',
  }),
  dogstatsdTags: setting({
    name: 'dogstatsdTags', gunicorn: 'dogstatsd_tags', flags: ['--dogstatsd-tags'], metavar: 'DOGSTATSD_TAGS',
    arity: 'value', codec: CommaList, default: constant([]), section: 'Logging', support: statsd,
    doc: 'Comma-separated DogStatsD tags (key:value) added to every metric.',
  }),
  statsdPrefix: setting({
    name: 'statsdPrefix', gunicorn: 'statsd_prefix', flags: ['--statsd-prefix'], metavar: 'STATSD_PREFIX',
    arity: 'value', codec: Text, default: constant(''), section: 'Logging', support: statsd,
    doc: 'A prefix for every metric name (a dot is added).',
  }),
  enableBacklogMetric: setting({
    name: 'enableBacklogMetric', gunicorn: 'enable_backlog_metric', flags: ['--enable-backlog-metric'],
    arity: 'switch', codec: Bool, default: constant(false), section: 'Logging', support: statsd,
    doc: 'Also report how many connections wait in the listen backlog (Linux).',
  }),
};
