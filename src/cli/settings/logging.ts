/**
 * Logging settings: the error and access logs and syslog (StatsD and Prometheus: `metrics.ts`).
 *
 * @example
 * logging.logLevel.flags // ['--log-level']
 */
import {
  AccessLogFormatString,
  Bool,
  FilePath,
  JsonObject,
  NonEmptyString,
  OneOf,
  OrNull,
  SyslogAddress,
} from '../../streams/codecs';
import { constant, notApplicable, setting, supported } from './setting';
import { LOG_LEVELS } from '../../streams/commands';
import { LOG_FORMATS } from '../../effects/logger';

export const SYSLOG_FACILITIES = [
  'auth',
  'authpriv',
  'cron',
  'daemon',
  'ftp',
  'kern',
  'lpr',
  'mail',
  'news',
  'security',
  'syslog',
  'user',
  'uucp',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

/** Gunicorn's access log format: the combined log format. */
export const DEFAULT_ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"';

const syslog = supported;
const pythonLogging = notApplicable(
  "it configures Python's logging module, which has no Node counterpart; route both logs through your own logger with --logger-class (docs/logging.md shows one over pino)",
);

export const logging = {
  accesslog: setting({
    name: 'accesslog',
    gunicorn: 'accesslog',
    flags: ['--access-logfile'],
    metavar: 'FILE',
    arity: 'value',
    codec: OrNull(FilePath),
    default: constant(null),
    section: 'Logging',
    support: supported,
    doc: 'The access log file; - means stdout; null (the default) logs no requests.',
  }),
  disableRedirectAccessToSyslog: setting({
    name: 'disableRedirectAccessToSyslog',
    gunicorn: 'disable_redirect_access_to_syslog',
    flags: ['--disable-redirect-access-to-syslog'],
    arity: 'switch',
    codec: Bool,
    default: constant(false),
    section: 'Logging',
    support: syslog,
    doc: 'With --log-syslog, do not send access log lines to syslog.',
  }),
  accessLogFormat: setting({
    name: 'accessLogFormat',
    gunicorn: 'access_log_format',
    flags: ['--access-logformat', '--access-log-format'],
    metavar: 'STRING',
    arity: 'value',
    codec: AccessLogFormatString,
    default: constant(DEFAULT_ACCESS_LOG_FORMAT),
    section: 'Logging',
    support: supported,
    doc:
      "The access log line, in Gunicorn's %(atom)s format.\n\n"
      + 'Atoms: h remote address, l "-", u user, t time, r request line, m method, U path, q query, H protocol, '
      + 's status, B or b response length, f referer, a user agent, T/D/M/L request time (s, µs, ms, decimal s), '
      + 'p process id, {name}i request header, {name}o response header, {name}e environment variable.',
  }),
  errorlog: setting({
    name: 'errorlog',
    gunicorn: 'errorlog',
    flags: ['--error-logfile', '--log-file'],
    metavar: 'FILE',
    arity: 'value',
    codec: FilePath,
    default: constant('-'),
    section: 'Logging',
    support: supported,
    doc: 'The error log file; - (the default) means stderr.',
  }),
  logLevel: setting({
    name: 'logLevel',
    gunicorn: 'loglevel',
    flags: ['--log-level'],
    metavar: 'LEVEL',
    arity: 'value',
    codec: OneOf(LOG_LEVELS),
    default: constant('info'),
    section: 'Logging',
    support: supported,
    doc: 'The granularity of error log output: debug, info, warning, error or critical.',
  }),
  captureOutput: setting({
    name: 'captureOutput',
    gunicorn: 'capture_output',
    flags: ['--capture-output'],
    arity: 'switch',
    codec: Bool,
    default: constant(false),
    section: 'Logging',
    support: supported,
    doc: 'Send what the app writes to stdout and stderr to the error log file (when it is not -).',
  }),
  loggerClass: setting({
    name: 'loggerClass',
    gunicorn: 'logger_class',
    flags: ['--logger-class'],
    metavar: 'STRING',
    arity: 'value',
    codec: NonEmptyString,
    default: constant('simple'),
    section: 'Logging',
    support: supported,
    doc:
      "Your own logger for both logs: a module, MODULE or MODULE:EXPORT; simple (the default) is runicorn's.\n\n"
      + 'The export is a class or a function called with the resolved settings; the object it gives has '
      + '`log(level, message)` for the error log, and optionally `access(entry)`, `reopen()` and `close()`. '
      + 'See docs/logging.md.',
  }),
  logFormat: setting({
    name: 'logFormat',
    flags: ['--log-format'],
    metavar: 'FORMAT',
    arity: 'value',
    codec: OneOf(LOG_FORMATS),
    default: constant('text'),
    section: 'Logging',
    support: supported,
    doc: "How both logs are written: text (Gunicorn's lines) or json (one object per line, for log shippers).",
  }),
  logconfig: setting({
    name: 'logconfig',
    gunicorn: 'logconfig',
    flags: ['--log-config'],
    metavar: 'FILE',
    arity: 'value',
    codec: OrNull(FilePath),
    default: constant(null),
    section: 'Logging',
    support: pythonLogging,
    doc: "A logging configuration file in Python's logging.config ini format.",
  }),
  logconfigDict: setting({
    name: 'logconfigDict',
    gunicorn: 'logconfig_dict',
    flags: [],
    arity: 'value',
    codec: JsonObject,
    default: constant({}),
    section: 'Logging',
    support: pythonLogging,
    doc: "A logging configuration in Python's logging.config dictionary format (config file only).",
  }),
  logconfigJson: setting({
    name: 'logconfigJson',
    gunicorn: 'logconfig_json',
    flags: ['--log-config-json'],
    metavar: 'FILE',
    arity: 'value',
    codec: OrNull(FilePath),
    default: constant(null),
    section: 'Logging',
    support: pythonLogging,
    doc: "A JSON file in Python's logging.config dictionary format.",
  }),
  syslogAddr: setting({
    name: 'syslogAddr',
    gunicorn: 'syslog_addr',
    flags: ['--log-syslog-to'],
    metavar: 'SYSLOG_ADDR',
    arity: 'value',
    codec: OrNull(SyslogAddress),
    default: constant(null),
    section: 'Logging',
    support: syslog,
    doc:
      'Where syslog messages go: unix://PATH[#stream|#dgram], udp://HOST:PORT or tcp://HOST:PORT.\n\n'
      + "null (the default) means the platform's syslog, as Gunicorn picks it: unix:///var/run/syslog on macOS, "
      + 'unix:///var/run/log on FreeBSD and DragonFly, unix:///dev/log on OpenBSD, else udp://localhost:514.',
  }),
  syslog: setting({
    name: 'syslog',
    gunicorn: 'syslog',
    flags: ['--log-syslog'],
    arity: 'switch',
    codec: Bool,
    default: constant(false),
    section: 'Logging',
    support: syslog,
    doc: 'Send the error log (and the access log) to syslog too.',
  }),
  syslogPrefix: setting({
    name: 'syslogPrefix',
    gunicorn: 'syslog_prefix',
    flags: ['--log-syslog-prefix'],
    metavar: 'SYSLOG_PREFIX',
    arity: 'value',
    codec: OrNull(NonEmptyString),
    default: constant(null),
    section: 'Logging',
    support: syslog,
    doc: 'The syslog program name is runicorn.PREFIX.error or .access; the default prefix is the process name.',
  }),
  syslogFacility: setting({
    name: 'syslogFacility',
    gunicorn: 'syslog_facility',
    flags: ['--log-syslog-facility'],
    metavar: 'SYSLOG_FACILITY',
    arity: 'value',
    codec: OneOf(SYSLOG_FACILITIES),
    default: constant('user'),
    section: 'Logging',
    support: syslog,
    doc: 'The syslog facility: user, daemon, local0 to local7, and the other standard names.',
  }),
  enableStdioInheritance: setting({
    name: 'enableStdioInheritance',
    gunicorn: 'enable_stdio_inheritance',
    flags: ['-R', '--enable-stdio-inheritance'],
    arity: 'switch',
    codec: Bool,
    default: constant(false),
    section: 'Logging',
    support: supported,
    doc: 'With --daemon, keep stdout and stderr when they are files or pipes instead of sending them to /dev/null.',
  }),
};
