// Gunicorn's access log format, atom by atom (gunicorn.md §5.8), rendered from a fixed request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as E from 'fp-ts/Either';
import {
  basicAuthUser,
  compileAccessFormat,
  formatAccessTime,
  type AccessEntry,
} from '../../src/streams/access-log-format';
import { DEFAULT_ACCESS_LOG_FORMAT } from '../../src/cli/settings/logging';

const at = new Date(2026, 10, 22, 2, 3, 7);
const zone = (() => {
  const offset = -at.getTimezoneOffset();
  const abs = Math.abs(offset);
  return `${offset >= 0 ? '+' : '-'}${String(Math.trunc(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
})();

function entry(overrides: Partial<AccessEntry> = {}): AccessEntry {
  return {
    req: {
      method: 'GET',
      url: '/caf%C3%A9/x?a=1&b=%22',
      httpVersion: '1.1',
      headers: {
        host: 'example.test',
        referer: 'http://ref.test/"quoted"',
        'user-agent': 'curl/8.0',
        authorization: `Basic ${Buffer.from('alice:secret').toString('base64')}`,
        'x-forwarded-for': '203.0.113.9',
      },
      socket: { remoteAddress: '192.0.2.4', remotePort: 51234 },
    },
    res: {
      statusCode: 201,
      getHeader: (name) => ({ 'content-type': 'text/plain', 'x-request-id': 'r-1' })[name],
    },
    bytes: 1234,
    durationUs: 2_345_678.9,
    date: at,
    pid: 4242,
    env: (name) => ({ DEPLOY: 'blue' })[name],
    ...overrides,
  };
}

const render = (format: string, e: AccessEntry = entry()) => {
  const compiled = compileAccessFormat(format);
  assert.ok(E.isRight(compiled), `compiles: ${format}`);
  return compiled.right.render(e);
};

test("the default format is Gunicorn's, byte for byte, and renders the combined log format", () => {
  assert.equal(DEFAULT_ACCESS_LOG_FORMAT, '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"');
  assert.equal(
    render(DEFAULT_ACCESS_LOG_FORMAT),
    `192.0.2.4 - alice [22/Nov/2026:02:03:07 ${zone}] "GET /caf%C3%A9/x?a=1&b=%22 HTTP/1.1" 201 1234 `
      + `"http://ref.test/\\"quoted\\"" "curl/8.0"`,
  );
});

test('every atom', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['h', '192.0.2.4'],
    ['l', '-'],
    ['u', 'alice'],
    ['t', `[22/Nov/2026:02:03:07 ${zone}]`],
    ['r', 'GET /caf%C3%A9/x?a=1&b=%22 HTTP/1.1'],
    ['m', 'GET'],
    ['U', '/café/x'],
    ['q', 'a=1&b=%22'],
    ['H', 'HTTP/1.1'],
    ['s', '201'],
    ['B', '1234'],
    ['b', '1234'],
    ['f', 'http://ref.test/\\"quoted\\"'],
    ['a', 'curl/8.0'],
    ['T', '2'],
    ['M', '2345'],
    ['D', '2345678'],
    ['L', '2.345678'],
    ['p', '<4242>'],
    ['{X-Forwarded-For}i', '203.0.113.9'],
    ['{host}i', 'example.test'],
    ['{x-request-id}o', 'r-1'],
    ['{Content-Type}o', 'text/plain'],
    ['{remote_port}e', '51234'],
    ['{request_method}e', 'GET'],
    ['{http_x_forwarded_for}e', '203.0.113.9'],
    ['{deploy}e', 'blue'],
  ];
  for (const [atom, expected] of cases) assert.equal(render(`%(${atom})s`), expected, atom);
});

test('missing values render "-", as in Gunicorn; an empty query string stays empty', () => {
  const bare = entry({
    req: { method: 'POST', url: '/', httpVersion: '1.0', headers: {}, socket: null },
    res: { statusCode: 204, getHeader: () => undefined },
    bytes: 0,
  });
  assert.equal(
    render('%(h)s|%(u)s|%(f)s|%(a)s|%(b)s|%(B)s|%(q)s|%({x}i)s|%({x}o)s|%({nope}e)s|%(zz)s', bare),
    '-|-|-|-|-|0||-|-|-|-',
  );
  assert.equal(render('%(H)s %(r)s', bare), 'HTTP/1.0 POST / HTTP/1.0');
  assert.equal(render('%(b)s %(B)s', entry({ bytes: undefined })), '- 0');
});

test('%% is a percent sign, widths pad, %(x)d is an integer', () => {
  assert.equal(render('100%% %(s)d'), '100% 201');
  assert.equal(render('[%(m)-6s][%(s)5s]'), '[GET   ][  201]');
});

test('a format with a stray % is refused with where it is', () => {
  const bad = compileAccessFormat('%(h)s 50% %(s)s');
  assert.ok(E.isLeft(bad));
  assert.match(bad.left, /position 9/);
  assert.ok(E.isLeft(compileAccessFormat('%(h)')));
});

test('the format says whether it needs the response size', () => {
  const needs = (f: string) =>
    E.isRight(compileAccessFormat(f)) && (compileAccessFormat(f) as E.Right<{ needsBytes: boolean }>).right.needsBytes;
  assert.equal(needs(DEFAULT_ACCESS_LOG_FORMAT), true);
  assert.equal(needs('%(h)s %(s)s'), false);
});

test('Basic auth user names, and what is not one', () => {
  assert.equal(basicAuthUser(`Basic ${Buffer.from('zoë:pw:with:colons').toString('base64')}`), 'zoë');
  assert.equal(basicAuthUser('Bearer abc'), undefined);
  assert.equal(basicAuthUser('Basic !!!'), undefined);
  assert.equal(basicAuthUser(`Basic ${Buffer.from('nocolon').toString('base64')}`), undefined);
});

test('t is the same within a second and follows the clock', () => {
  assert.equal(formatAccessTime(at), formatAccessTime(new Date(at.getTime() + 999)));
  assert.notEqual(formatAccessTime(at), formatAccessTime(new Date(at.getTime() + 1000)));
});

test('{wsgi.url_scheme}e and {https}e: the socket, then the first scheme header present (as configured)', () => {
  const scheme = (
    socket: { encrypted?: boolean },
    headers: Record<string, string>,
    configured?: Record<string, string>,
  ) => {
    const base = entry();
    const e = entry({
      req: {
        ...base.req,
        headers: { ...base.req.headers, ...headers },
        socket: { remoteAddress: '192.0.2.4', ...socket },
      },
    });
    const compiled = compileAccessFormat('%({wsgi.url_scheme}e)s %({https}e)s', configured);
    assert.ok(E.isRight(compiled));
    return compiled.right.render(e);
  };
  const rows: Array<[{ encrypted?: boolean }, Record<string, string>, Record<string, string> | undefined, string]> = [
    [{}, {}, undefined, 'http -'],
    [{ encrypted: true }, {}, undefined, 'https on'],
    [{}, { 'x-forwarded-proto': 'https' }, undefined, 'https on'],
    // A matching header with another value means http, even over TLS (Gunicorn §5.6).
    [{ encrypted: true }, { 'x-forwarded-proto': 'http' }, undefined, 'http -'],
    [{}, { 'x-forwarded-ssl': 'on' }, undefined, 'https on'],
    // Only the configured headers count.
    [{}, { 'x-forwarded-proto': 'https' }, { 'X-Scheme': 'https' }, 'http -'],
    [{}, { 'x-scheme': 'https' }, { 'X-Scheme': 'https' }, 'https on'],
  ];
  for (const [socket, headers, configured, expected] of rows)
    assert.equal(scheme(socket, headers, configured), expected, JSON.stringify([socket, headers, configured]));
});
