// The request-head rules as a table: limits, singletons, transfer codings, forwarded headers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forbiddenTrailer, headRules, inspectHead, maxHeadBytes } from '../../src/streams/http/head-rules';
import { refusalForParseError, refusalResponse } from '../../src/streams/http/refusals';
import { transferCodings } from '../../src/streams/http/transfer-codings';

const rules = headRules({
  limitRequestLine: 4094,
  limitRequestFields: 100,
  limitRequestFieldSize: 8190,
  secureSchemeHeaders: { 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on' },
});
const head = (rawHeaders: string[], more: { method?: string; url?: string; httpVersion?: string } = {}) => ({
  method: 'GET',
  url: '/',
  httpVersion: '1.1',
  rawHeaders,
  ...more,
});
const status = (v: ReturnType<typeof inspectHead>) => v?.refuse?.status;

test('an ordinary request passes with no verdict at all', () => {
  assert.equal(inspectHead(head(['Host', 'a', 'Accept', '*/*', 'User-Agent', 'x']), rules, true), undefined);
  assert.equal(inspectHead(head(['Host', 'a', 'X-Forwarded-For', '1.2.3.4']), rules, true), undefined);
});

test('limits: request line 414, field count and size 431', () => {
  assert.equal(status(inspectHead(head(['Host', 'a'], { url: `/${'a'.repeat(4081)}` }), rules, true)), 414);
  assert.equal(inspectHead(head(['Host', 'a'], { url: `/${'a'.repeat(4080)}` }), rules, true), undefined);
  const many = Array.from({ length: 101 }, (_, i) => [`X-${i}`, 'v']).flat();
  assert.equal(status(inspectHead(head(many), rules, true)), 431);
  assert.equal(status(inspectHead(head(['Host', 'a', 'X', 'v'.repeat(8188)]), rules, true)), 431);
  assert.equal(inspectHead(head(['Host', 'a', 'X', 'v'.repeat(8187)]), rules, true), undefined);
});

test("limits: 0 and out-of-range values follow Gunicorn's code", () => {
  const loose = headRules({ limitRequestLine: 0, limitRequestFields: 0, limitRequestFieldSize: 0 });
  assert.equal(loose.requestLine, 0);
  assert.equal(loose.fields, 32768);
  assert.equal(loose.fieldSize, 8190);
  assert.equal(
    headRules({ limitRequestLine: 99999, limitRequestFields: 40000, limitRequestFieldSize: 1 }).requestLine,
    8190,
  );
  assert.equal(inspectHead(head(['Host', 'a'], { url: `/${'a'.repeat(20000)}` }), loose, true), undefined);
  assert.ok(maxHeadBytes(rules) > 100 * 8190);
});

test('versions, targets, Host', () => {
  assert.equal(status(inspectHead(head(['Host', 'a'], { httpVersion: '2.0' }), rules, true)), 400);
  assert.equal(status(inspectHead(head(['Host', 'a'], { httpVersion: '0.9' }), rules, true)), 400);
  assert.equal(status(inspectHead(head(['Host', 'a'], { url: '*' }), rules, true)), 400);
  assert.equal(inspectHead(head(['Host', 'a'], { url: '*', method: 'OPTIONS' }), rules, true), undefined);
  assert.equal(status(inspectHead(head([]), rules, true)), 400);
  assert.equal(inspectHead(head([], { httpVersion: '1.0' }), rules, true), undefined);
});

test('singleton fields may appear once, in any case', () => {
  for (const name of ['Host', 'content-type', 'CONTENT-LENGTH', 'Authorization', 'Proxy-Authorization'])
    assert.equal(status(inspectHead(head(['Host', 'a', name, '1', name.toLowerCase(), '2']), rules, true)), 400, name);
  assert.equal(inspectHead(head(['Host', 'a', 'Accept', 'a', 'Accept', 'b']), rules, true), undefined);
});

test('transfer codings: chunked last and once, known codings only, not on HTTP/1.0', () => {
  assert.equal(transferCodings(['chunked'], '1.1'), undefined);
  assert.equal(transferCodings(['CHUNKED'], '1.1'), undefined);
  assert.deepEqual(transferCodings(['gzip, chunked'], '1.1'), { close: true });
  assert.deepEqual(transferCodings(['gzip', 'chunked'], '1.1'), { close: true });
  assert.equal(transferCodings(['foo'], '1.1')?.refuse?.status, 501);
  assert.equal(transferCodings(['foo, chunked'], '1.1')?.refuse?.status, 501);
  assert.equal(transferCodings(['chunked, gzip'], '1.1')?.refuse?.status, 400);
  assert.equal(transferCodings(['chunked', 'chunked'], '1.1')?.refuse?.status, 400);
  assert.equal(transferCodings(['gzip'], '1.1')?.refuse?.status, 400);
  assert.equal(transferCodings(['chunked'], '1.0')?.refuse?.status, 400);
});

test('forwarded and scheme headers: stripped from untrusted peers, checked from trusted ones', () => {
  const raw = [
    'Host',
    'a',
    'X-Forwarded-For',
    '1.2.3.4',
    'Accept',
    '*/*',
    'x-forwarded-proto',
    'https',
    'Forwarded',
    'for=x',
  ];
  assert.deepEqual(inspectHead(head(raw), rules, false), { strip: [2, 6, 8] });
  assert.equal(inspectHead(head(raw), rules, true), undefined);
  const conflict = ['Host', 'a', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Ssl', 'off'];
  assert.equal(inspectHead(head(conflict), rules, true)?.refuse?.message, 'Contradictory scheme headers');
  assert.deepEqual(inspectHead(head(conflict), rules, false), { strip: [2, 4] });
  assert.equal(
    inspectHead(head(['Host', 'a', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Ssl', 'on']), rules, true),
    undefined,
  );
});

test('forbidden trailers', () => {
  assert.equal(forbiddenTrailer(['X-Sum', '1']), undefined);
  for (const name of ['host', 'Content-Length', 'transfer-encoding', 'Trailer', 'Authorization', 'TE'])
    assert.equal(forbiddenTrailer(['X-Sum', '1', name, 'v']), name);
});

test("parse errors map to Gunicorn's statuses", () => {
  const r = (code: string, packet = '') => refusalForParseError(code, 'why', packet, rules)?.status;
  assert.equal(r('HPE_INVALID_METHOD'), 400);
  assert.equal(r('HPE_HEADER_OVERFLOW', 'GET / HTTP/1.1\r\nX: '), 431);
  assert.equal(r('HPE_HEADER_OVERFLOW', `GET /${'a'.repeat(5000)}`), 414);
  assert.equal(r('HPE_INVALID_TRANSFER_ENCODING', 'POST / HTTP/1.1\r\nTransfer-Encoding: foo\r\n\r\n'), 501);
  assert.equal(r('HPE_INVALID_TRANSFER_ENCODING', 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n'), 400);
  assert.equal(r('ERR_HTTP_REQUEST_TIMEOUT'), 408);
  assert.equal(r('ECONNRESET'), undefined);
});

test('a refusal on the wire says Connection: close and its length is right', () => {
  const text = refusalResponse({ status: 431, message: 'Too many header fields (101 > 100)' });
  assert.match(text, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\nConnection: close\r\n/);
  const [, body] = text.split('\r\n\r\n');
  assert.match(text, new RegExp(`Content-Length: ${(body ?? '').length}\r\n`));
});

test('the peer is asked about only when a forwarded or scheme header is there', () => {
  let asked = 0;
  const trusted = () => {
    asked += 1;
    return false;
  };
  assert.equal(inspectHead(head(['Host', 'a', 'Accept', '*/*']), rules, trusted), undefined);
  assert.equal(asked, 0);
  assert.deepEqual(inspectHead(head(['Host', 'a', 'X-Forwarded-For', 'x', 'X-Real-IP', 'y']), rules, trusted), {
    strip: [2, 4],
  });
  assert.equal(asked, 1);
});

test('a chunked body is flagged, so that its trailers get checked', () => {
  assert.deepEqual(inspectHead(head(['Host', 'a', 'Transfer-Encoding', 'chunked']), rules, true), { chunked: true });
  assert.deepEqual(inspectHead(head(['Host', 'a', 'Transfer-Encoding', 'gzip, chunked']), rules, true), {
    close: true,
    chunked: true,
  });
});

test('HTTP/2 heads: 2.0 passes only from an h2 stream; pseudo-headers are not fields; no Host needed', () => {
  const pseudo = [':method', 'GET', ':path', '/', ':authority', 'a', ':scheme', 'https'];
  const h2 = (raw: string[], more: { url?: string } = {}) => head([...pseudo, ...raw], { httpVersion: '2.0', ...more });
  // An HTTP/1 request line saying HTTP/2.0 is still refused.
  assert.equal(status(inspectHead(head(['Host', 'a'], { httpVersion: '2.0' }), rules, true)), 400);
  assert.equal(inspectHead(h2([]), rules, true, true), undefined);
  assert.equal(inspectHead(h2(['Accept', '*/*']), rules, true, true), undefined);
  // The four pseudo-headers do not count against --limit-request-fields.
  const few = headRules({ limitRequestLine: 4094, limitRequestFields: 2, limitRequestFieldSize: 8190 });
  assert.equal(inspectHead(h2(['A', '1', 'B', '2']), few, true, true), undefined);
  assert.equal(status(inspectHead(h2(['A', '1', 'B', '2', 'C', '3']), few, true, true)), 431);
  // The path is measured as the request line (414), not as a field (431).
  const long = `/${'a'.repeat(9000)}`;
  assert.equal(status(inspectHead(head([':path', long], { httpVersion: '2.0', url: long }), rules, true, true)), 414);
  // The other rules apply as to HTTP/1: untrusted forwarded headers stripped, singletons once.
  assert.deepEqual(inspectHead(h2(['X-Forwarded-For', '1.2.3.4']), rules, false, true), { strip: [8] });
  assert.equal(status(inspectHead(h2(['content-type', 'a', 'content-type', 'b']), rules, true, true)), 400);
});
