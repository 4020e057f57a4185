// HTTP/1.1 conformance, as raw bytes over a real socket to one worker serving an echo app.
// Cases are written from RFC 9112 (message syntax and framing) and RFC 9110 (semantics); each
// invalid one must get its status with `Connection: close`, the connection closed, nothing after
// it on the connection served, and the worker still serving. docs/http.md lists the mapping.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, type TestContext, test } from 'node:test';
import { fixture, runicorn, type Running } from '../support/cli';
import { crlf, exchange, header, type RawResponse } from '../support/raw-http';

interface Echo {
  method: string;
  url: string;
  version: string;
  headers: string[];
  body: string;
  trailers: string[];
  pid: number;
}
const echoOf = (r: RawResponse | undefined): Echo => JSON.parse(r?.body ?? 'null') as Echo;

let server: Running;
let port: number;
let workerPid: number;
let cleanup: () => Promise<void> = async () => undefined;

before(async () => {
  // One server for the whole file; its cleanup (kill by pid) runs in `after`.
  const context = { after: (fn: () => Promise<void>) => (cleanup = fn) } as unknown as TestContext;
  server = runicorn(context, ['-w', '1', '-b', '127.0.0.1:0', fixture('echo.mjs')]);
  port = await server.port();
  await server.waitFor(/Booting worker/);
  const first = await exchange(port, crlf('GET / HTTP/1.1\nHost: a\n\n'));
  workerPid = echoOf(first.responses[0]).pid;
});
after(async () => {
  server.kill('SIGTERM');
  await server.exited;
  await cleanup();
});

/** Send one invalid request (plus a request smuggled behind it) and check the refusal. */
async function refused(bytes: string, status: number, message?: RegExp): Promise<RawResponse> {
  const smuggled = crlf('GET /smuggled HTTP/1.1\nHost: a\n\n');
  const result = await exchange(port, bytes + smuggled, { waitClose: true });
  assert.equal(result.closed, true, 'the connection is closed');
  assert.equal(result.responses.length, 1, `exactly one response, got ${result.responses.map((r) => r.status)}`);
  const [response] = result.responses as [RawResponse];
  assert.equal(response.status, status, `status for ${JSON.stringify(bytes.slice(0, 80))}: ${response.body}`);
  assert.equal(header(response, 'connection'), 'close');
  if (message) assert.match(response.body, message);
  return response;
}

async function served(bytes: string): Promise<Echo> {
  const result = await exchange(port, bytes);
  assert.equal(result.responses[0]?.status, 200, `served: ${result.responses[0]?.body}`);
  return echoOf(result.responses[0]);
}

describe('valid requests reach the app intact', () => {
  test('method, target, version and the header list in order, repeated list fields kept (RFC 9110 §5.3)', async () => {
    const echo = await served(
      crlf(
        'GET /a/b?x=1&y=%20 HTTP/1.1\nHost: example.com\nAccept: text/html\nX-Custom:  spaced value  \nAccept: */*\n\n',
      ),
    );
    assert.equal(echo.method, 'GET');
    assert.equal(echo.url, '/a/b?x=1&y=%20');
    assert.equal(echo.version, '1.1');
    assert.deepEqual(echo.headers, [
      'Host',
      'example.com',
      'Accept',
      'text/html',
      'X-Custom',
      'spaced value',
      'Accept',
      '*/*',
    ]);
  });

  test('HTTP/1.0 without Host is served (RFC 9112 §3.2 requires Host in 1.1 only)', async () => {
    const result = await exchange(port, 'GET /old HTTP/1.0\r\n\r\n', { waitClose: true });
    assert.equal(result.responses[0]?.status, 200);
    assert.equal(echoOf(result.responses[0]).version, '1.0');
  });

  test('a Content-Length body (RFC 9112 §6.2)', async () => {
    const echo = await served(crlf('POST /f HTTP/1.1\nHost: a\nContent-Length: 11\n\nhello world'));
    assert.equal(echo.body, 'hello world');
  });

  test('a chunked body with extensions and trailers (RFC 9112 §7.1)', async () => {
    const echo = await served(
      crlf(
        'POST /c HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n5;name=value;q="quoted ext"\nhello\n6\n world\n000\nX-Checksum: abc\n\n',
      ),
    );
    assert.equal(echo.body, 'hello world');
    assert.deepEqual(echo.trailers, ['X-Checksum', 'abc']);
  });

  test('three pipelined requests are answered in order (RFC 9112 §9.3.2)', async () => {
    const result = await exchange(
      port,
      crlf(
        'GET /1 HTTP/1.1\nHost: a\n\nPOST /2 HTTP/1.1\nHost: a\nContent-Length: 2\n\nhiGET /3 HTTP/1.1\nHost: a\n\n',
      ),
      { responses: 3 },
    );
    assert.deepEqual(
      result.responses.map((r) => echoOf(r).url),
      ['/1', '/2', '/3'],
    );
    assert.equal(echoOf(result.responses[1]).body, 'hi');
  });

  test('OPTIONS * and the absolute form (RFC 9112 §3.2.2, §3.2.4)', async () => {
    assert.equal((await served(crlf('OPTIONS * HTTP/1.1\nHost: a\n\n'))).url, '*');
    assert.equal((await served(crlf('GET http://a/x?y HTTP/1.1\nHost: a\n\n'))).url, 'http://a/x?y');
  });

  test('obs-text in a field value is kept (RFC 9110 §5.5)', async () => {
    const echo = await served(crlf('GET / HTTP/1.1\nHost: a\nX-Latin: caf\xe9\n\n'));
    assert.equal(Buffer.from(echo.headers[3] ?? '', 'utf8').length > 0, true);
    assert.equal(echo.headers[2], 'X-Latin');
  });

  test('gzip before chunked is passed on undecoded, and the connection closes after it (RFC 9112 §6.1)', async () => {
    const result = await exchange(
      port,
      crlf('POST /z HTTP/1.1\nHost: a\nTransfer-Encoding: gzip, chunked\n\n3\nabc\n0\n\n'),
      { waitClose: true },
    );
    assert.equal(result.responses[0]?.status, 200);
    assert.equal(echoOf(result.responses[0]).body, 'abc');
    assert.equal(header(result.responses[0] as RawResponse, 'connection'), 'close');
  });

  test('Expect: 100-continue gets its 100 when the app reads the body (RFC 9110 §10.1.1)', async () => {
    // The client sends the body only once the 100 is in.
    const text = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      let got = '';
      s.setEncoding('latin1');
      s.on('data', (d: string) => {
        got += d;
        if (got.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && !got.includes('200 OK')) s.write('ok');
        if (got.includes('"body":"ok"')) {
          s.destroy();
          resolve(got);
        }
      });
      s.on('error', reject);
      s.write(crlf('POST /e HTTP/1.1\nHost: a\nContent-Length: 2\nExpect: 100-continue\n\n'));
    });
    assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
  });

  test('Expect: 100-continue gets no 100 when the app answers without reading', async () => {
    const result = await exchange(
      port,
      crlf('POST /no-read HTTP/1.1\nHost: a\nContent-Length: 5\nExpect: 100-continue\n\n'),
    );
    assert.deepEqual(
      result.responses.map((r) => r.status),
      [413],
    );
  });

  test('a keep-alive connection serves its next request', async () => {
    const result = await exchange(port, crlf('GET /1 HTTP/1.1\nHost: a\n\nGET /2 HTTP/1.1\nHost: a\n\n'), {
      responses: 2,
    });
    assert.equal(header(result.responses[0] as RawResponse, 'connection'), 'keep-alive');
    assert.equal(echoOf(result.responses[1]).url, '/2');
  });
});

describe('request line (RFC 9112 §3)', () => {
  test('a request line over --limit-request-line (4094) is 414', async () => {
    await refused(
      crlf(`GET /${'a'.repeat(5000)} HTTP/1.1\nHost: a\n\n`),
      414,
      /Request Line is too large \(5014 > 4094\)/,
    );
  });
  test('a request line longer than the whole head may be is 414 too', async () => {
    await refused(`GET /${'a'.repeat(900_000)}`, 414, /Request Line is too large/);
  });
  const bad: Array<[string, string]> = [
    ['a lower-case method (methods are case-sensitive tokens, §3.1)', 'get / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a method with a character outside tchar', 'GE#T / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a method Node does not know', 'BLARGH / HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['* with a method other than OPTIONS (§3.2.4)', 'GET * HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['the authority form with a method other than CONNECT (§3.2.3)', 'GET example.com:80 HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['an empty request-target', 'GET  HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a target that is no form at all', 'GET x HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['whitespace inside the target (§3.2)', 'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a tab inside the target', 'GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n'],
    ['a line ending in a bare LF (§2.2)', 'GET / HTTP/1.1\nHost: a\n\n'],
    ['HTTP/0.9', 'GET / HTTP/0.9\r\nHost: a\r\n\r\n'],
    ['HTTP/1.2', 'GET / HTTP/1.2\r\nHost: a\r\n\r\n'],
    ['HTTP/2.0 in an HTTP/1 request line', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n'],
    ['HTTP/3.0', 'GET / HTTP/3.0\r\nHost: a\r\n\r\n'],
    ['a malformed version', 'GET / HTTP/1.1x\r\nHost: a\r\n\r\n'],
    ['a NUL in the method', 'G\0T / HTTP/1.1\r\nHost: a\r\n\r\n'],
  ];
  for (const [name, bytes] of bad) test(`${name} is 400`, () => refused(bytes, 400).then(() => undefined));
  test('CONNECT is 501: an origin server has no tunnel to open', () =>
    refused('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 501).then(() => undefined));
});

describe('header fields (RFC 9112 §5, RFC 9110 §5)', () => {
  test('more than --limit-request-fields (100) fields is 431', async () => {
    const fields = Array.from({ length: 101 }, (_, i) => `X-F${i}: v\n`).join('');
    await refused(crlf(`GET / HTTP/1.1\n${fields}\n`), 431, /Too many header fields \(101 > 100\)/);
  });
  test('exactly 100 fields is served', async () => {
    const fields = Array.from({ length: 99 }, (_, i) => `X-F${i}: v\n`).join('');
    const echo = await served(crlf(`GET / HTTP/1.1\nHost: a\n${fields}\n`));
    assert.equal(echo.headers.length, 200);
  });
  test('a field over --limit-request-field_size (8190) is 431', async () => {
    await refused(
      crlf(`GET / HTTP/1.1\nHost: a\nX-Big: ${'v'.repeat(8190)}\n\n`),
      431,
      /Header field too large: 'X-Big'/,
    );
  });
  test('a field of exactly 8190 bytes is served', async () => {
    const echo = await served(crlf(`GET / HTTP/1.1\nHost: a\nX-Big: ${'v'.repeat(8190 - 7)}\n\n`));
    assert.equal(echo.headers[3]?.length, 8183);
  });
  const bad: Array<[string, string]> = [
    ['a missing Host in HTTP/1.1 (§3.2)', 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n'],
    ['Host twice (§3.2)', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    [
      'Content-Type twice (a singleton field, RFC 9110 §5.3)',
      'GET / HTTP/1.1\r\nHost: a\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n\r\n',
    ],
    ['Authorization twice', 'GET / HTTP/1.1\r\nHost: a\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n'],
    ['a space between name and colon (§5.1)', 'GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n'],
    ['a non-ASCII byte in a name', 'GET / HTTP/1.1\r\nHost: a\r\nX-\xe9: b\r\n\r\n'],
    ['a NUL in a name', 'GET / HTTP/1.1\r\nHost: a\r\nX-\0A: b\r\n\r\n'],
    ['a line with no colon', 'GET / HTTP/1.1\r\nHost: a\r\nno-colon-here\r\n\r\n'],
    ['an empty name', 'GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n'],
    ['a NUL in a value (RFC 9110 §5.5)', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n'],
    ['a bare CR in a value', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n'],
    ['a control character in a value', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x01c\r\n\r\n'],
    ['DEL in a value', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x7fc\r\n\r\n'],
    ['obsolete line folding (§5.2)', 'GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n'],
    ['Expect other than 100-continue is 417 (RFC 9110 §10.1.1)', 'GET / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n'],
  ];
  for (const [name, bytes] of bad) {
    const status = name.includes('417') ? 417 : 400;
    test(`${name} is ${status}`, async () => {
      if (status === 417) {
        const result = await exchange(port, bytes);
        assert.equal(result.responses[0]?.status, 417);
        return;
      }
      await refused(bytes, status);
    });
  }
});

describe('message body framing (RFC 9112 §6, §7)', () => {
  const bad: Array<[string, string, number]> = [
    [
      'Content-Length twice, same value (§6.3)',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx',
      400,
    ],
    [
      'Content-Length twice, different values',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx',
      400,
    ],
    ['a Content-Length list', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\nx', 400],
    ['a signed Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\nx', 400],
    ['a negative Content-Length', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n', 400],
    ['a Content-Length that is not a number', 'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x1\r\n\r\nx', 400],
    [
      'Transfer-Encoding with Content-Length (§6.1)',
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    [
      'Transfer-Encoding on HTTP/1.0 (§6.1)',
      'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n',
      400,
    ],
    ['chunked not last (§6.3)', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 400],
    ['chunked twice', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n', 400],
    [
      'chunked twice, across two fields',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    ['an unknown coding is 501 (§6.1)', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo\r\n\r\n', 501],
    [
      'an unknown coding before chunked is 501',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: foo, chunked\r\n\r\n0\r\n\r\n',
      501,
    ],
    [
      'a chunk size with an underscore (§7.1)',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6_0\r\nx\r\n0\r\n\r\n',
      400,
    ],
    [
      'a signed chunk size',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n',
      400,
    ],
    ['an empty chunk size', 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\nx\r\n0\r\n\r\n', 400],
    [
      'a chunk size that overflows',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nx\r\n0\r\n\r\n',
      400,
    ],
    [
      'chunk data not followed by CRLF',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n',
      400,
    ],
  ];
  for (const [name, bytes, status] of bad)
    test(`${name} is ${status}`, () => refused(bytes, status).then(() => undefined));

  for (const field of ['Host', 'Content-Length', 'Transfer-Encoding', 'Trailer', 'Authorization', 'TE'])
    test(`a ${field} trailer field is 400 (RFC 9110 §6.5.1) and the app's body read fails`, async () => {
      const response = await refused(
        `POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n${field}: v\r\n\r\n`,
        400,
      );
      // llhttp itself refuses Content-Length and Transfer-Encoding in trailers, in its own words (naming the field).
      assert.match(response.body, new RegExp(`Invalid trailer field: '${field}'|${field}`));
    });

  test('a chunked body cut short before its last CRLF never completes for the app (§7.1)', async () => {
    const result = await exchange(
      port,
      'POST /cut HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n',
      {
        half: true,
        waitClose: true,
      },
    );
    assert.equal(result.closed, true);
    assert.ok(
      result.responses.every((r) => r.status !== 200),
      `no 200: ${result.responses.map((r) => r.status)}`,
    );
  });

  test('a Content-Length body cut short never completes for the app', async () => {
    const result = await exchange(port, 'POST /cut HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello', {
      half: true,
      waitClose: true,
    });
    assert.ok(result.responses.every((r) => r.status !== 200));
  });
});

test('after every refusal above, the same worker is still serving', async () => {
  const echo = await served(crlf('GET /still-here HTTP/1.1\nHost: a\n\n'));
  assert.equal(echo.pid, workerPid);
  assert.ok(server.lines.some((l) => /\[WARNING\] Invalid request from ip=127\.0\.0\.1: /.test(l)));
});
