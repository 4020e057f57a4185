// Syslog framing, byte for byte: the priority of every facility and level, the program name,
// the pid, the NUL that ends a datagram (as Python's SysLogHandler sends it) and the LF that
// ends a line on a stream; the addresses --log-syslog-to accepts and Gunicorn's defaults.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SYSLOG_FACILITIES } from '../../src/cli/settings/logging';
import { LOG_LEVELS } from '../../src/streams/commands';
import {
  defaultSyslogAddress,
  parseSyslogAddress,
  SYSLOG_FACILITY_CODES,
  syslogPrefix,
  syslogPriority,
  syslogTag,
  syslogText,
} from '../../src/streams/syslog-format';

// Gunicorn's glogging.SYSLOG_FACILITIES (security is its deprecated alias of auth).
const GUNICORN_FACILITIES: Record<string, number> = {
  auth: 4,
  authpriv: 10,
  cron: 9,
  daemon: 3,
  ftp: 11,
  kern: 0,
  lpr: 6,
  mail: 2,
  news: 7,
  security: 4,
  syslog: 5,
  user: 1,
  uucp: 8,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};
const SEVERITY = { debug: 7, info: 6, warning: 4, error: 3, critical: 2 } as const;

test("every facility the setting accepts has Gunicorn's code, and no other name has one", () => {
  assert.deepEqual(Object.keys(SYSLOG_FACILITY_CODES).sort(), [...SYSLOG_FACILITIES].sort());
  for (const name of SYSLOG_FACILITIES) assert.equal(SYSLOG_FACILITY_CODES[name], GUNICORN_FACILITIES[name], name);
});

test('PRI is facility * 8 + severity for every facility and level', () => {
  for (const facility of SYSLOG_FACILITIES) {
    for (const level of LOG_LEVELS) {
      assert.equal(
        syslogPriority(facility, level),
        (GUNICORN_FACILITIES[facility] ?? -100) * 8 + SEVERITY[level],
        `${facility}.${level}`,
      );
    }
  }
});

test('known priorities: user.info 14, local0.error 131, daemon.debug 31, kern.critical 2, local7.warning 188', () => {
  assert.equal(syslogPriority('user', 'info'), 14);
  assert.equal(syslogPriority('local0', 'error'), 131);
  assert.equal(syslogPriority('daemon', 'debug'), 31);
  assert.equal(syslogPriority('kern', 'critical'), 2);
  assert.equal(syslogPriority('local7', 'warning'), 188);
});

const m = { facility: 'local0', tag: 'runicorn.app.error', pid: 4242 } as const;

const FRAMES: ReadonlyArray<[string, Parameters<typeof syslogText>, string]> = [
  // The bytes Python's SysLogHandler sent for Gunicorn's format (checked on a UDP receiver).
  [
    'datagram, error',
    ['datagram', { ...m, level: 'error', message: 'Worker timeout' }],
    '<131>runicorn.app.error: [4242] Worker timeout\0',
  ],
  ['datagram, debug', ['datagram', { ...m, level: 'debug', message: 'x' }], '<135>runicorn.app.error: [4242] x\0'],
  [
    'datagram keeps a traceback whole',
    ['datagram', { ...m, level: 'error', message: 'Error handling request\nError: boom\n    at f' }],
    '<131>runicorn.app.error: [4242] Error handling request\nError: boom\n    at f\0',
  ],
  [
    'datagram, UTF-8 text as is',
    ['datagram', { ...m, level: 'info', message: 'café ☕' }],
    '<134>runicorn.app.error: [4242] café ☕\0',
  ],
  [
    'stream, one line, LF',
    ['stream', { ...m, level: 'info', message: 'Booting worker' }],
    '<134>runicorn.app.error: [4242] Booting worker\n',
  ],
  [
    'stream escapes LF as #012',
    ['stream', { ...m, level: 'error', message: 'a\nb\n' }],
    '<131>runicorn.app.error: [4242] a#012b#012\n',
  ],
  [
    'access line, user facility',
    [
      'datagram',
      {
        facility: 'user',
        tag: 'runicorn.main.app.access',
        pid: 7,
        level: 'info',
        message: '127.0.0.1 - - "GET / HTTP/1.1" 200 2',
      },
    ],
    '<14>runicorn.main.app.access: [7] 127.0.0.1 - - "GET / HTTP/1.1" 200 2\0',
  ],
];

for (const [name, args, expected] of FRAMES) {
  test(`frame: ${name}`, () => {
    assert.equal(syslogText(...args), expected);
  });
}

test('program name: runicorn.<prefix>.<error|access>, prefix from the setting or the process name with : as .', () => {
  assert.equal(syslogTag(syslogPrefix(null, 'main:app'), 'error'), 'runicorn.main.app.error');
  assert.equal(syslogTag(syslogPrefix(null, 'a:b:c'), 'access'), 'runicorn.a.b.c.access');
  assert.equal(syslogTag(syslogPrefix('web', 'main:app'), 'access'), 'runicorn.web.access');
});

test("default address: Gunicorn's per platform", () => {
  assert.equal(defaultSyslogAddress('linux'), 'udp://localhost:514');
  assert.equal(defaultSyslogAddress('darwin'), 'unix:///var/run/syslog');
  assert.equal(defaultSyslogAddress('freebsd'), 'unix:///var/run/log');
  assert.equal(defaultSyslogAddress('openbsd'), 'unix:///dev/log');
});

const ADDRESSES: ReadonlyArray<[string, ReturnType<typeof parseSyslogAddress>]> = [
  ['udp://localhost:514', { type: 'udp', host: 'localhost', port: 514 }],
  ['udp://10.0.0.1', { type: 'udp', host: '10.0.0.1', port: 514 }],
  ['tcp://[::1]:6514', { type: 'tcp', host: '::1', port: 6514 }],
  ['tcp://logs.example.com', { type: 'tcp', host: 'logs.example.com', port: 514 }],
  ['unix:///dev/log', { type: 'unix', path: '/dev/log', socket: 'dgram', explicit: false }],
  ['unix:///dev/log#dgram', { type: 'unix', path: '/dev/log', socket: 'dgram', explicit: true }],
  ['unix:///run/syslog.sock#stream', { type: 'unix', path: '/run/syslog.sock', socket: 'stream', explicit: true }],
  ['http://x', undefined],
  ['udp://host:port', undefined],
];

for (const [address, expected] of ADDRESSES) {
  test(`address ${address}`, () => {
    assert.deepEqual(parseSyslogAddress(address), expected);
  });
}
