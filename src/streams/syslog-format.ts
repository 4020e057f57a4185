/**
 * Syslog, the pure part: where an address points, the program name (tag), the priority and the
 * bytes of one message (as text) in the framing runicorn sends. The sockets are in
 * `src/effects/syslog.ts`.
 *
 * Why RFC 3164 without TIMESTAMP and HOSTNAME: that is what Gunicorn sends (Python's
 * `logging.handlers.SysLogHandler`, checked on the wire): `<PRI>TAG: [PID] MESSAGE` and a NUL.
 * Every receiver (rsyslog, syslog-ng, journald's /dev/log, Vector, Fluentd) takes a message whose
 * header stops after `<PRI>` and stamps it with its own clock and host name, so a Gunicorn user's
 * filters (`programname == "runicorn.app.access"`) keep working.
 *
 * @example
 * syslogText('datagram', { facility: 'local0', level: 'error', tag: 'runicorn.app.error', pid: 42, message: 'Worker timeout' })
 * // '<131>runicorn.app.error: [42] Worker timeout\u0000'
 */
import type { LogLevel } from './commands';

/**
 * Facility codes, as Gunicorn's `SYSLOG_FACILITIES` table (note `security`: Gunicorn maps the
 * deprecated name to `auth`, 4, and so do we).
 *
 * @example
 * SYSLOG_FACILITY_CODES.local0 // 16
 */
export const SYSLOG_FACILITY_CODES: Readonly<Record<string, number>> = {
  kern: 0,
  user: 1,
  mail: 2,
  daemon: 3,
  auth: 4,
  syslog: 5,
  lpr: 6,
  news: 7,
  uucp: 8,
  cron: 9,
  authpriv: 10,
  ftp: 11,
  security: 4,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

/**
 * Severity of each log level, as Python's `SysLogHandler.mapPriority`.
 *
 * @example
 * SYSLOG_SEVERITIES.warning // 4
 */
export const SYSLOG_SEVERITIES: Readonly<Record<LogLevel, number>> = {
  debug: 7,
  info: 6,
  warning: 4,
  error: 3,
  critical: 2,
};

/**
 * `<PRI>`'s number: facility × 8 + severity (`user` for an unknown facility name).
 *
 * @example
 * syslogPriority('user', 'info') // 14
 */
export function syslogPriority(facility: string, level: LogLevel): number {
  return (SYSLOG_FACILITY_CODES[facility] ?? 1) * 8 + SYSLOG_SEVERITIES[level];
}

/**
 * The prefix in the program name: `--log-syslog-prefix`, else the process name with every `:`
 * turned into `.` (Gunicorn's `cfg.proc_name.replace(":", ".")`).
 *
 * @example
 * syslogPrefix(null, 'app:server') // 'app.server'
 */
export function syslogPrefix(prefix: string | null, procName: string): string {
  return prefix ?? procName.replaceAll(':', '.');
}

/** Which log a syslog message comes from. */
export type SyslogKind = 'error' | 'access';

/**
 * The program name (RFC 3164's TAG): `runicorn.<prefix>.<error|access>`.
 *
 * @example
 * syslogTag('app', 'access') // 'runicorn.app.access'
 */
export function syslogTag(prefix: string, kind: SyslogKind): string {
  return `runicorn.${prefix}.${kind}`;
}

/** Where syslog messages go, decoded from `--log-syslog-to`. */
export type SyslogTarget =
  | { readonly type: 'udp'; readonly host: string; readonly port: number }
  | { readonly type: 'tcp'; readonly host: string; readonly port: number }
  /** `dgram` also for a bare `unix://PATH` (what /dev/log is); `stream` only when asked for. */
  | { readonly type: 'unix'; readonly path: string; readonly socket: 'dgram' | 'stream'; readonly explicit: boolean };

/**
 * The platform's syslog, as Gunicorn picks it when `--log-syslog-to` is not given.
 *
 * @example
 * defaultSyslogAddress('linux') // 'udp://localhost:514'
 */
export function defaultSyslogAddress(platform: string): string {
  if (platform === 'darwin') return 'unix:///var/run/syslog';
  if (platform === 'freebsd' || platform === 'dragonfly') return 'unix:///var/run/log';
  if (platform === 'openbsd') return 'unix:///dev/log';
  return 'udp://localhost:514';
}

/**
 * Decodes an address the `SyslogAddress` codec accepted; `undefined` for anything else.
 *
 * @example
 * parseSyslogAddress('unix:///dev/log') // { type: 'unix', path: '/dev/log', socket: 'dgram', explicit: false }
 * parseSyslogAddress('tcp://[::1]') // { type: 'tcp', host: '::1', port: 514 }
 */
export function parseSyslogAddress(address: string): SyslogTarget | undefined {
  const s = address.trim();
  const unix = /^unix:\/\/(.+?)(#(stream|dgram))?$/.exec(s);
  if (unix) {
    const kind = unix[3];
    return { type: 'unix', path: unix[1] ?? '', socket: kind === 'stream' ? 'stream' : 'dgram', explicit: !!kind };
  }
  const net = /^(udp|tcp):\/\/(\[[^\]]+\]|[^:/]+)(:(\d+))?$/.exec(s);
  if (!net) return undefined;
  const host = (net[2] ?? '').replace(/^\[|\]$/g, '');
  const port = net[4] === undefined ? 514 : Number(net[4]);
  return net[1] === 'udp' ? { type: 'udp', host, port } : { type: 'tcp', host, port };
}

/**
 * `datagram` (UDP, unix dgram): one message per datagram, ending in NUL as Python's handler
 * sends it. `stream` (TCP, unix stream): RFC 6587 non-transparent framing, one message per line,
 * an LF inside the message written as `#012` (rsyslog's own escape) so a traceback stays one
 * message.
 */
export type SyslogFraming = 'datagram' | 'stream';

/** One message: who sends it, at which level, and what. */
export interface SyslogMessage {
  readonly facility: string;
  readonly level: LogLevel;
  readonly tag: string;
  readonly pid: number;
  readonly message: string;
}

/**
 * The text of one message without its terminator: `<PRI>TAG: [PID] MESSAGE` (escaped for
 * `stream`); the effects add the terminator after cutting it to size.
 *
 * @example
 * syslogBody('stream', { facility: 'user', level: 'info', tag: 't', pid: 1, message: 'a\nb' }) // '<14>t: [1] a#012b'
 */
export function syslogBody(framing: SyslogFraming, m: SyslogMessage): string {
  const message = framing === 'stream' ? m.message.replaceAll('\n', '#012') : m.message;
  return `<${syslogPriority(m.facility, m.level)}>${m.tag}: [${m.pid}] ${message}`;
}

/**
 * What ends a message: NUL for a datagram, LF on a stream.
 *
 * @example
 * syslogTerminator('datagram') // '\u0000'
 */
export function syslogTerminator(framing: SyslogFraming): string {
  return framing === 'datagram' ? '\0' : '\n';
}

/**
 * The whole message as text, terminator included.
 *
 * @example
 * syslogText('datagram', { facility: 'user', level: 'info', tag: 'runicorn.app.access', pid: 7, message: 'GET /' })
 * // '<14>runicorn.app.access: [7] GET /\u0000'
 */
export function syslogText(framing: SyslogFraming, m: SyslogMessage): string {
  return syslogBody(framing, m) + syslogTerminator(framing);
}
