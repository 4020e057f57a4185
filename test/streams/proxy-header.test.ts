// The PROXY protocol header, v1 and v2, as a worker reads it off the first bytes of a connection:
// valid headers of both families, LOCAL / UNKNOWN / UNSPEC, TLVs, every malformed case Gunicorn
// refuses, headers split into any chunks, and "not a header" as early as the bytes can tell.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ProxyHeaderRead, type ProxyMode, readProxyHeader } from '../../src/streams/http/proxy-header';

const ascii = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const HTTP = ascii('GET / HTTP/1.1\r\nHost: x\r\n\r\n');

const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** A v2 header: version/command byte, family/protocol byte, then the address block (and TLVs). */
function v2(versionCommand: number, familyProtocol: number, block: readonly number[]): Uint8Array {
  return Uint8Array.from([
    ...SIGNATURE,
    versionCommand,
    familyProtocol,
    block.length >> 8,
    block.length & 0xff,
    ...block,
  ]);
}
const INET_BLOCK = [192, 0, 2, 1, 198, 51, 100, 7, 0xd4, 0x31, 0x01, 0xbb]; // 192.0.2.1:54321 -> 198.51.100.7:443
const INET6_BLOCK = [
  ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  ...[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1],
  ...[0x30, 0x39, 0x00, 0x50],
]; // [2001:db8::1]:12345 -> [::ffff:10.0.0.1]:80
const TLVS = [0x01, 0x00, 0x02, 0x68, 0x32, 0x04, 0x00, 0x03, 0x61, 0x62, 0x63]; // ALPN "h2", NOOP "abc"

const V1_VALID: ReadonlyArray<
  readonly [line: string, expected: Omit<Extract<ProxyHeaderRead, { type: 'proxied' }>, 'length'>]
> = [
  [
    'PROXY TCP4 192.0.2.1 198.51.100.7 54321 443\r\n',
    {
      type: 'proxied',
      version: 1,
      source: { address: '192.0.2.1', port: 54321, family: 'IPv4' },
      destination: { address: '198.51.100.7', port: 443, family: 'IPv4' },
    },
  ],
  [
    'PROXY TCP6 2001:db8::1 2001:db8::2 0 65535\r\n',
    {
      type: 'proxied',
      version: 1,
      source: { address: '2001:db8::1', port: 0, family: 'IPv6' },
      destination: { address: '2001:db8::2', port: 65535, family: 'IPv6' },
    },
  ],
  [
    // Written out in full: the app sees it as Node would write it.
    'PROXY TCP6 2001:0DB8:0000:0000:0000:0000:0000:0001 ::ffff:10.0.0.1 1 2\r\n',
    {
      type: 'proxied',
      version: 1,
      source: { address: '2001:db8::1', port: 1, family: 'IPv6' },
      destination: { address: '::ffff:10.0.0.1', port: 2, family: 'IPv6' },
    },
  ],
];

for (const [line, expected] of V1_VALID) {
  test(`v1: ${JSON.stringify(line)} names the client, and HTTP starts after the CRLF`, () => {
    for (const mode of ['v1', 'auto'] as const) {
      assert.deepEqual(readProxyHeader(concat(ascii(line), HTTP), mode), { ...expected, length: line.length });
    }
  });
}

test('v1: the longest possible line (107 bytes) is read', () => {
  const full = 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';
  const line = `PROXY TCP6 ${full} ${full} 65535 65535\r\n`;
  assert.equal(line.length, 104);
  const read = readProxyHeader(ascii(line), 'v1');
  assert.equal(read.type, 'proxied');
});

test('v1: PROXY UNKNOWN keeps the real peer (the spec says to accept it; Gunicorn refuses it)', () => {
  for (const line of ['PROXY UNKNOWN\r\n', 'PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n']) {
    assert.deepEqual(readProxyHeader(concat(ascii(line), HTTP), 'auto'), {
      type: 'local',
      version: 1,
      length: line.length,
    });
  }
});

const V1_INVALID: ReadonlyArray<readonly [line: string, reason: RegExp]> = [
  ['PROXY TCP4 192.0.2.1 198.51.100.7 54321\r\n', /6 fields/],
  ['PROXY TCP4 192.0.2.1 198.51.100.7 54321 443 extra\r\n', /6 fields/],
  ['PROXY TCP4  192.0.2.1 198.51.100.7 54321 443\r\n', /6 fields|not IPv4/],
  ['PROXY TCP4 192.0.2.1 198.51.100.7 54321 443 \r\n', /6 fields/],
  ['PROXY UDP4 192.0.2.1 198.51.100.7 54321 443\r\n', /protocol/],
  ['PROXY tcp4 192.0.2.1 198.51.100.7 54321 443\r\n', /protocol/],
  ['PROXY TCP4 2001:db8::1 198.51.100.7 54321 443\r\n', /not IPv4/],
  ['PROXY TCP6 192.0.2.1 2001:db8::2 54321 443\r\n', /not IPv6/],
  ['PROXY TCP4 192.0.2.256 198.51.100.7 54321 443\r\n', /not IPv4/],
  ['PROXY TCP4 example.com 198.51.100.7 54321 443\r\n', /not IPv4/],
  ['PROXY TCP4 192.0.2.1 198.51.100.7 65536 443\r\n', /port/],
  ['PROXY TCP4 192.0.2.1 198.51.100.7 -1 443\r\n', /port/],
  ['PROXY TCP4 192.0.2.1 198.51.100.7 54321 0x50\r\n', /port/],
  ['PROXY TCP4 192.0.2.1 198.51.100.7 54321 443\n', /printable/],
  ['PROXY TCP4 192.0.2.1 198.51.100.7 54321 443\rX', /CR without LF/],
  ['PROXY TCP4 192.0.2.1\t198.51.100.7 54321 443\r\n', /printable/],
  ['PROXY TCP4 192.0.2.1 198.51.100.7 54321 443\0\r\n', /printable/],
  [`PROXY TCP4 ${'1'.repeat(101)}`, /longer than 107/],
];

for (const [line, reason] of V1_INVALID) {
  test(`v1: ${JSON.stringify(line)} is invalid`, () => {
    const read = readProxyHeader(concat(ascii(line), HTTP), 'auto');
    assert.equal(read.type, 'invalid');
    assert.equal(read.type === 'invalid' && read.version, 1);
    assert.match(read.type === 'invalid' ? read.reason : '', reason);
  });
}

test('v2: PROXY over INET names the client and skips to the HTTP bytes', () => {
  const header = v2(0x21, 0x11, INET_BLOCK);
  for (const mode of ['v2', 'auto'] as const) {
    assert.deepEqual(readProxyHeader(concat(header, HTTP), mode), {
      type: 'proxied',
      version: 2,
      length: 28,
      source: { address: '192.0.2.1', port: 54321, family: 'IPv4' },
      destination: { address: '198.51.100.7', port: 443, family: 'IPv4' },
    });
  }
});

test('v2: PROXY over INET6, with TLVs after the addresses (skipped)', () => {
  const header = v2(0x21, 0x21, [...INET6_BLOCK, ...TLVS]);
  assert.deepEqual(readProxyHeader(concat(header, HTTP), 'auto'), {
    type: 'proxied',
    version: 2,
    length: 16 + 36 + TLVS.length,
    source: { address: '2001:db8::1', port: 12345, family: 'IPv6' },
    destination: { address: '::ffff:10.0.0.1', port: 80, family: 'IPv6' },
  });
});

test('v2: LOCAL (a health check) and PROXY over UNSPEC keep the real peer, whatever the block holds', () => {
  assert.deepEqual(readProxyHeader(concat(v2(0x20, 0x00, []), HTTP), 'auto'), {
    type: 'local',
    version: 2,
    length: 16,
  });
  assert.deepEqual(readProxyHeader(concat(v2(0x20, 0x11, INET_BLOCK), HTTP), 'v2'), {
    type: 'local',
    version: 2,
    length: 28,
  });
  assert.deepEqual(readProxyHeader(concat(v2(0x20, 0x31, [1, 2, 3]), HTTP), 'v2'), {
    type: 'local',
    version: 2,
    length: 19,
  });
  assert.deepEqual(readProxyHeader(concat(v2(0x21, 0x00, TLVS), HTTP), 'v2'), {
    type: 'local',
    version: 2,
    length: 16 + TLVS.length,
  });
});

const V2_INVALID: ReadonlyArray<readonly [name: string, header: Uint8Array, reason: RegExp]> = [
  ['version 1', v2(0x11, 0x11, INET_BLOCK), /version 1, not 2/],
  ['version 3', v2(0x31, 0x11, INET_BLOCK), /version 3/],
  ['command 2', v2(0x22, 0x11, INET_BLOCK), /command 2/],
  ['UNIX family', v2(0x21, 0x31, Array<number>(216).fill(0)), /UNIX/],
  ['family 4', v2(0x21, 0x41, INET_BLOCK), /family 4/],
  ['INET over DGRAM', v2(0x21, 0x12, INET_BLOCK), /STREAM/],
  ['INET6 over DGRAM', v2(0x21, 0x22, INET6_BLOCK), /STREAM/],
  ['INET over UNSPEC transport', v2(0x21, 0x10, INET_BLOCK), /STREAM/],
  ['INET with 11 address bytes', v2(0x21, 0x11, INET_BLOCK.slice(0, 11)), /too short/],
  ['INET6 with 35 address bytes', v2(0x21, 0x21, INET6_BLOCK.slice(0, 35)), /too short/],
  ['INET6 with an INET block', v2(0x21, 0x21, INET_BLOCK), /too short/],
];

for (const [name, header, reason] of V2_INVALID) {
  test(`v2: ${name} is invalid, told as soon as the fixed 16 bytes are in`, () => {
    for (const bytes of [concat(header, HTTP), header.subarray(0, 16)]) {
      const read = readProxyHeader(bytes, 'auto');
      assert.equal(read.type, 'invalid');
      assert.equal(read.type === 'invalid' && read.version, 2);
      assert.match(read.type === 'invalid' ? read.reason : '', reason);
    }
  });
}

test('split anywhere, a header is partial until its last byte, then the same as in one chunk', () => {
  const headers = [
    ascii('PROXY TCP4 192.0.2.1 198.51.100.7 54321 443\r\n'),
    ascii('PROXY UNKNOWN\r\n'),
    v2(0x21, 0x11, INET_BLOCK),
    v2(0x21, 0x21, [...INET6_BLOCK, ...TLVS]),
    v2(0x20, 0x00, []),
  ];
  for (const header of headers) {
    const whole = readProxyHeader(concat(header, HTTP), 'auto');
    for (let cut = 1; cut < header.length; cut++) {
      assert.deepEqual(readProxyHeader(header.subarray(0, cut), 'auto'), { type: 'partial' }, `cut at ${cut}`);
    }
    assert.deepEqual(readProxyHeader(header, 'auto'), whole);
  }
});

test('not a PROXY header: plain HTTP is told from its first differing byte', () => {
  const CASES: ReadonlyArray<readonly [string | Uint8Array, ProxyMode]> = [
    ['GET / HTTP/1.1\r\n', 'auto'],
    ['G', 'auto'],
    ['POST / HTTP/1.1\r\n', 'auto'],
    ['PO', 'auto'],
    ['PUT', 'auto'],
    ['PROXI', 'auto'],
    ['PROXYTCP4', 'auto'],
    ['\r\nGET / HTTP/1.1\r\n', 'auto'],
    ['\r\n\r\nG', 'auto'],
    [Uint8Array.from([...SIGNATURE.slice(0, 11), 0x0b]), 'auto'],
    // A mode accepts only its own version; the other is left to the HTTP parser (which refuses it).
    [v2(0x21, 0x11, INET_BLOCK), 'v1'],
    ['\r', 'v1'],
    ['PROXY TCP4 192.0.2.1 198.51.100.7 54321 443\r\n', 'v2'],
    ['P', 'v2'],
  ];
  for (const [bytes, mode] of CASES) {
    const input = typeof bytes === 'string' ? ascii(bytes) : bytes;
    assert.deepEqual(readProxyHeader(input, mode), { type: 'none' }, `${JSON.stringify(bytes)} in ${mode}`);
  }
});

test('the first bytes of a signature are partial, not plain HTTP', () => {
  for (const text of ['P', 'PR', 'PROX', 'PROXY', '\r', '\r\n\r\n\0']) {
    assert.deepEqual(readProxyHeader(ascii(text), 'auto'), { type: 'partial' }, JSON.stringify(text));
  }
  assert.deepEqual(readProxyHeader(new Uint8Array(0), 'auto'), { type: 'partial' });
  assert.deepEqual(readProxyHeader(ascii('PROXY TCP4 1.2.3.4'), 'v1'), { type: 'partial' });
});
