// Table tests for every codec in src/streams/codecs.ts: each row is an input as a config file
// gives it (native) or as a flag or environment variable gives it (a string), and what it decodes
// to, or `BAD` (optionally with the reason the error line will carry).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from 'fp-ts/Either';
import * as codecs from '../../src/streams/codecs';
import {
  AppUri,
  Bool,
  BindList,
  CommaList,
  ConfigPath,
  DirtyAppList,
  FileMode,
  FilePath,
  HookFn,
  HttpProtocols,
  IntRange,
  IpList,
  JsonObject,
  KeyValueList,
  NonEmptyString,
  NonNegativeInt,
  OneOf,
  OneOfAliased,
  WorkerClassSpec,
  OrNull,
  PositiveInt,
  Seconds,
  StatsdAddress,
  AccessLogFormatString,
  StringArray,
  StringDict,
  SyslogAddress,
  TcpAddress,
  Text,
  UserOrGroup,
  firstReason,
  CertReqs,
  type Codec,
} from '../../src/streams/codecs';

const BAD = Symbol('BAD');
/** A row: input, then what it decodes to, or BAD with an optional pattern the reason must match. */
type Row = readonly [unknown, unknown] | readonly [unknown, typeof BAD, RegExp?];

const tested = new Set<string>();

function table<A>(label: string, c: Codec<A>, rows: readonly Row[]): void {
  tested.add(label);
  test(`${label}: ${c.expected}`, () => {
    assert.ok(c.expected.length > 0, 'says what it expects');
    for (const [input, want, reason] of rows) {
      const got = c.decode(input);
      const shown = typeof input === 'function' ? 'a function' : (JSON.stringify(input) ?? String(input));
      if (want === BAD) {
        assert.ok(
          E.isLeft(got),
          `${label} must refuse ${shown}, got ${E.isRight(got) ? JSON.stringify(got.right) : ''}`,
        );
        assert.equal(c.is(input), false, `${label}.is(${shown})`);
        if (reason) assert.match(firstReason(got.left) ?? '', reason, `${label} reason for ${shown}`);
      } else {
        assert.ok(E.isRight(got), `${label} must accept ${shown} (${E.isLeft(got) ? firstReason(got.left) : ''})`);
        assert.deepEqual(got.right, want, `${label} decodes ${shown}`);
        assert.equal(c.is(input), true, `${label}.is(${shown})`);
      }
    }
  });
}

table('PositiveInt', PositiveInt, [
  ['4', 4],
  [' 12 ', 12],
  ['+3', 3],
  [1, 1],
  [1000, 1000],
  ['0', BAD],
  [0, BAD],
  ['-1', BAD],
  ['1.5', BAD],
  [1.5, BAD],
  ['abc', BAD],
  ['', BAD],
  [null, BAD],
  [true, BAD],
  [[1], BAD],
]);

table('NonNegativeInt', NonNegativeInt, [
  ['0', 0],
  [0, 0],
  ['2', 2],
  [65536, 65536],
  ['-1', BAD],
  [-1, BAD],
  ['2.5', BAD],
  ['two', BAD],
  ['', BAD],
  [undefined, BAD],
]);

table('Seconds', Seconds, [
  ['30', 30],
  [30, 30],
  ['0', 0],
  ['0.5', 0.5],
  [2.5, 2.5],
  ['-1', BAD],
  [-0.5, BAD],
  ['', BAD],
  [' ', BAD],
  ['soon', BAD],
  ['Infinity', BAD],
  [null, BAD],
  [false, BAD],
]);

table('OneOf', OneOf(['sync', 'gthread', 'async']), [
  ['sync', 'sync'],
  ['gthread', 'gthread'],
  ['async', 'async'],
  ['gevent', BAD],
  ['SYNC', BAD],
  ['', BAD],
  [1, BAD],
  [null, BAD],
]);

table('CertReqs', CertReqs, [
  [0, 0],
  ['1', 1],
  [2, 2],
  ['none', 0],
  ['optional', 1],
  ['Required', 2],
  [3, BAD],
  ['-1', BAD],
  ['maybe', BAD],
  [null, BAD],
]);

table('WorkerClassSpec', WorkerClassSpec, [
  ['sync', 'sync'],
  ['gthread', 'gthread'],
  ['async', 'async'],
  ['./my-worker.mjs', './my-worker.mjs'],
  ['workers/counting.js:Counting', 'workers/counting.js:Counting'],
  ['@acme/runicorn-worker', '@acme/runicorn-worker'],
  ['gevent', BAD, /greenlets/],
  ['eventlet', BAD, /greenlets/],
  ['tornado', BAD, /Tornado/],
  ['asgi', BAD, /asyncio/],
  ['egg:myapp#worker', BAD, /egg:/],
  ['constructor', 'constructor'],
  ['', BAD],
  ['  ', BAD],
  [1, BAD],
  [null, BAD],
]);

table('NonEmptyString', NonEmptyString, [
  ['x', 'x'],
  ['my app', 'my app'],
  ['', BAD],
  ['   ', BAD],
  [1, BAD],
  [null, BAD],
  [['x'], BAD],
]);

table('Text', Text, [
  ['', ''],
  ['prefix.', 'prefix.'],
  [' spaced ', ' spaced '],
  [null, BAD],
  [0, BAD],
  [[], BAD],
]);

table('BindList', BindList, [
  ['127.0.0.1:9000', [{ kind: 'tcp', host: '127.0.0.1', port: 9000 }]],
  [
    ['[::1]:8000', 'unix:/tmp/s.sock', 'fd://3'],
    [
      { kind: 'tcp', host: '::1', port: 8000 },
      { kind: 'unix', path: '/tmp/s.sock' },
      { kind: 'fd', fd: 3 },
    ],
  ],
  [':8080', [{ kind: 'tcp', host: '0.0.0.0', port: 8080 }]],
  [[], BAD, /no address/],
  ['::1:8000', BAD, /brackets/],
  ['host:99999', BAD, /bad port/],
  [[8000], BAD, /not a string/],
  [null, BAD],
]);

const named = function onStarting() {};
table('HookFn', HookFn, [
  [named, named],
  [null, null],
  [undefined, null],
  ['module:fn', BAD],
  [1, BAD],
  [{}, BAD],
]);

table('Bool', Bool, [
  [true, true],
  [false, false],
  ['true', true],
  ['false', false],
  ['TRUE', true],
  [' False ', false],
  ['yes', BAD],
  ['1', BAD],
  [1, BAD],
  [0, BAD],
  ['', BAD],
  [null, BAD],
]);

table('IntRange', IntRange(16384, 16777215), [
  ['16384', 16384],
  [16777215, 16777215],
  ['65536', 65536],
  ['16383', BAD],
  [16777216, BAD],
  ['big', BAD],
  [16384.5, BAD],
  [null, BAD],
]);

table('FileMode', FileMode, [
  ['0o600', 0o600],
  ['0600', 0o600],
  ['0O22', 0o22],
  ['022', 0o22],
  ['18', 18],
  ['0', 0],
  ['0x1ff', 0o777],
  ['0b111', 7],
  [0o644, 0o644],
  [0, 0],
  [4095, 4095],
  ['0o8', BAD],
  ['089', BAD],
  ['-1', BAD],
  [-1, BAD],
  ['0o10000', BAD],
  [4096, BAD],
  ['rw-', BAD],
  ['', BAD],
  [1.5, BAD],
  [null, BAD],
]);

table('FilePath', FilePath, [
  ['/run/app.pid', '/run/app.pid'],
  ['-', '-'],
  ['logs/error.log', 'logs/error.log'],
  ['', BAD],
  ['  ', BAD],
  ['a\0b', BAD, /NUL/],
  [1, BAD],
  [null, BAD],
]);

table('OrNull', OrNull(PositiveInt), [
  [null, null],
  [undefined, null],
  ['3', 3],
  [3, 3],
  ['0', BAD],
  ['none', BAD],
  ['', BAD],
]);
test('OrNull passes the inner reason on and says null is allowed', () => {
  const c = OrNull(FilePath);
  assert.equal(c.expected, 'a file path, or null');
  const r = c.decode('a\0b');
  assert.ok(E.isLeft(r));
  assert.match(firstReason(r.left) ?? '', /NUL/);
});

table('CommaList', CommaList, [
  ['SCRIPT_NAME,PATH_INFO', ['SCRIPT_NAME', 'PATH_INFO']],
  [' a , b ,, c ', ['a', 'b', 'c']],
  ['', []],
  ['one', ['one']],
  [
    ['x', ' y '],
    ['x', 'y'],
  ],
  [[], []],
  [[1], BAD, /not a string/],
  [1, BAD],
  [null, BAD],
  [{ a: 1 }, BAD],
]);

table('StringArray', StringArray, [
  [['--import=tsx'], ['--import=tsx']],
  [
    ['--import', 'tsx'],
    ['--import', 'tsx'],
  ],
  ['a,b', ['a,b']],
  [[], []],
  [[''], BAD, /not a non-empty string/],
  [['x', 2], BAD, /2 is not/],
  [null, BAD],
  [3, BAD],
]);

table('KeyValueList', KeyValueList, [
  ['A=1', ['A=1']],
  [
    ['A=1', 'B=x=y', 'EMPTY='],
    ['A=1', 'B=x=y', 'EMPTY='],
  ],
  [[], []],
  [{ A: '1', B: 'two words' }, ['A=1', 'B=two words']],
  [{}, []],
  ['NOEQUALS', BAD, /has no "="/],
  [['A=1', '=1'], BAD, /no name/],
  [[1], BAD, /not a string/],
  [{ A: 1 }, BAD, /value of A/],
  [null, BAD],
]);

table('StringDict', StringDict, [
  [{ 'X-FORWARDED-PROTO': 'https' }, { 'X-FORWARDED-PROTO': 'https' }],
  [{}, {}],
  ['{"X-FORWARDED-SSL":"on"}', { 'X-FORWARDED-SSL': 'on' }],
  [{ 'X-FORWARDED-SSL': true }, BAD, /value of X-FORWARDED-SSL/],
  ['X-FORWARDED-SSL=on', BAD],
  ['[]', BAD],
  [[], BAD],
  [null, BAD],
]);

table('JsonObject', JsonObject, [
  [
    { version: 1, loggers: {} },
    { version: 1, loggers: {} },
  ],
  ['{"version":1}', { version: 1 }],
  [{}, {}],
  [[], BAD],
  ['[1]', BAD],
  ['not json', BAD],
  [null, BAD],
  [1, BAD],
]);

table(
  'OneOfAliased',
  OneOfAliased(['off', 'v1', 'v2', 'auto'], { true: 'auto', 1: 'auto', false: 'off', 0: 'off', none: 'off' }),
  [
    ['v1', 'v1'],
    ['V2', 'v2'],
    ['auto', 'auto'],
    ['off', 'off'],
    ['true', 'auto'],
    ['1', 'auto'],
    ['false', 'off'],
    ['0', 'off'],
    ['None', 'off'],
    [true, 'auto'],
    [false, 'off'],
    [1, 'auto'],
    [0, 'off'],
    [null, 'off'],
    ['v3', BAD],
    ['yes', BAD],
    [2, BAD],
    ['', BAD],
    [{}, BAD],
    ['constructor', BAD],
  ],
);

table('IpList', IpList, [
  ['127.0.0.1,::1', ['127.0.0.1', '::1']],
  ['*', ['*']],
  [' 10.0.0.0/8 , 192.168.1.7 ', ['10.0.0.0/8', '192.168.1.7']],
  [
    ['fd00::/8', '::ffff:10.0.0.1', '2001:db8::1:2'],
    ['fd00::/8', '::ffff:10.0.0.1', '2001:db8::1:2'],
  ],
  ['1:2:3:4:5:6:7:8', ['1:2:3:4:5:6:7:8']],
  ['::', ['::']],
  ['0.0.0.0/0', ['0.0.0.0/0']],
  ['10.1.2.3/32', ['10.1.2.3/32']],
  ['', []],
  ['10.0.0.1/8', BAD, /host bits set/],
  ['2001:db8::1/32', BAD, /host bits set/],
  ['10.0.0.0/33', BAD, /prefix length/],
  ['256.1.1.1', BAD, /not an IP/],
  ['localhost', BAD, /not an IP/],
  ['1:2:3:4:5:6:7:8:9', BAD],
  ['1::2::3', BAD],
  ['fe80::1%eth0', BAD],
  ['10.0.0.0/8/1', BAD],
  ['01.2.3.4', BAD],
  [[1], BAD],
  [null, BAD],
]);

table('HttpProtocols', HttpProtocols, [
  ['h1', ['h1']],
  ['h2,h1', ['h2', 'h1']],
  [' H2 , h3 ', ['h2', 'h3']],
  [
    ['h1', 'h2'],
    ['h1', 'h2'],
  ],
  ['', BAD, /no protocol/],
  ['h1,h1', BAD, /twice/],
  ['http/1.1', BAD, /not a protocol/],
  [[], BAD],
  [null, BAD],
]);

table('AppUri', AppUri, [
  ['server.mjs', 'server.mjs'],
  ['server.mjs:app', 'server.mjs:app'],
  [' app.cjs:create("prod") ', 'app.cjs:create("prod")'],
  ['', BAD, /empty/],
  ['server.mjs:', BAD, /empty/],
  ['server.mjs:1x', BAD, /not an export name/],
  [null, BAD],
  [1, BAD],
]);

table('ConfigPath', ConfigPath, [
  ['runicorn.conf.js', 'runicorn.conf.js'],
  ['file:conf/prod.mjs', 'file:conf/prod.mjs'],
  ['/etc/runicorn.cjs', '/etc/runicorn.cjs'],
  ['python:settings', BAD, /python:MODULE/],
  ['file:', BAD],
  ['', BAD],
  [null, BAD],
  [1, BAD],
]);

table('UserOrGroup', UserOrGroup, [
  ['www-data', 'www-data'],
  ['1000', 1000],
  [1000, 1000],
  [0, 0],
  ['_svc', '_svc'],
  ['machine$', 'machine$'],
  ['-1', BAD],
  [-1, BAD],
  ['two words', BAD],
  ['', BAD],
  ['9lives', BAD],
  [null, BAD],
  [1.5, BAD],
]);

table('SyslogAddress', SyslogAddress, [
  ['unix:///dev/log', 'unix:///dev/log'],
  ['unix:///var/run/syslog#dgram', 'unix:///var/run/syslog#dgram'],
  ['udp://localhost:514', 'udp://localhost:514'],
  ['tcp://logs.example.com', 'tcp://logs.example.com'],
  ['udp://[::1]:514', 'udp://[::1]:514'],
  ['localhost:514', BAD],
  ['udp://host:99999', BAD, /bad port/],
  ['unix://', BAD],
  ['http://host', BAD],
  ['', BAD],
  [null, BAD],
]);

table('StatsdAddress', StatsdAddress, [
  ['localhost:8125', 'localhost:8125'],
  ['statsd', 'statsd'],
  ['[::1]:8125', '[::1]:8125'],
  ['unix:///run/statsd.sock', 'unix:///run/statsd.sock'],
  ['unix:/run/statsd.sock', 'unix:/run/statsd.sock'],
  // Gunicorn's legacy form: host "unix", port 8125.
  ['unix:8125', 'unix:8125'],
  ['unix://', BAD, /socket path/],
  ['host:port', BAD, /bad port/],
  ['host:70000', BAD, /bad port/],
  ['bad host', BAD, /bad host/],
  ['', BAD],
  [null, BAD],
  [8125, BAD],
]);

table('AccessLogFormatString', AccessLogFormatString, [
  ['%(h)s "%(r)s" %(s)s', '%(h)s "%(r)s" %(s)s'],
  ['100%% %(s)d', '100%% %(s)d'],
  ['%(h)s 50% done', BAD, /position 9/],
  ['%(h)', BAD],
  ['', BAD],
  [null, BAD],
]);

table('TcpAddress', TcpAddress, [
  ['127.0.0.1:9100', { kind: 'tcp', host: '127.0.0.1', port: 9100 }],
  [':9100', { kind: 'tcp', host: '0.0.0.0', port: 9100 }],
  ['[::1]:9100', { kind: 'tcp', host: '::1', port: 9100 }],
  ['localhost', BAD, /HOST:PORT/],
  ['unix:/run/metrics.sock', BAD, /HOST:PORT/],
  ['host:70000', BAD],
  ['bad host:9100', BAD, /bad host/],
  [9100, BAD],
]);

table('DirtyAppList', DirtyAppList, [
  ['tasks.mjs:Resizer', ['tasks.mjs:Resizer']],
  [
    ['tasks.mjs:Resizer:2', 'ml/model.js:Model'],
    ['tasks.mjs:Resizer:2', 'ml/model.js:Model'],
  ],
  [[], []],
  ['tasks.mjs', BAD, /MODULE:EXPORT/],
  ['tasks.mjs:Resizer:0', BAD, /0 workers/],
  [':Resizer', BAD],
  [[1], BAD, /not a string/],
  [null, BAD],
]);

test('firstReason returns the first message, or undefined', () => {
  const r = PositiveInt.decode('x');
  assert.ok(E.isLeft(r));
  assert.equal(firstReason(r.left), '');
  const s = IpList.decode('10.0.0.1/8');
  assert.ok(E.isLeft(s));
  assert.equal(firstReason(s.left), '"10.0.0.1/8" has host bits set');
});

test('every codec exported by codecs.ts has a table above', () => {
  const exported = Object.entries(codecs)
    .filter(([, v]) => {
      // Codecs are objects with `expected`; codec factories are functions named like their export.
      if (typeof v === 'function' && /^[A-Z]/.test(v.name) && !('expected' in v) && v.name !== 'Type') return true;
      return typeof v === 'object' && v !== null && 'expected' in v;
    })
    .map(([name]) => name);
  const missing = exported.filter((name) => !tested.has(name));
  assert.deepEqual(missing, []);
  assert.ok(exported.length >= 25, `found ${exported.length} codecs`);
});
