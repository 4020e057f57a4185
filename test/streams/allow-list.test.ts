// The trusted-peer check behind --proxy-allow-from (and --forwarded-allow-ips): addresses,
// CIDR networks of both families, IPv4-mapped peers of a dual-stack listener, `*`, Unix-socket
// peers, and the text that is not an address. Plus the IP parsing and formatting under it.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { allowList } from '../../src/streams/http/allow-list';
import { formatIpv6, parseIp, parseIpv4, parseIpv6 } from '../../src/streams/http/ip-address';

const CASES: ReadonlyArray<readonly [entries: readonly string[], peer: string | undefined, allowed: boolean]> = [
  // Gunicorn's default
  [['127.0.0.1', '::1'], '127.0.0.1', true],
  [['127.0.0.1', '::1'], '::1', true],
  [['127.0.0.1', '::1'], '::ffff:127.0.0.1', true],
  [['127.0.0.1', '::1'], '127.0.0.2', false],
  [['127.0.0.1', '::1'], '10.0.0.1', false],
  [['127.0.0.1', '::1'], '::2', false],
  [['127.0.0.1', '::1'], '0:0:0:0:0:0:0:1', true],
  // IPv4 networks, mapped or not
  [['10.0.0.0/8'], '10.255.3.4', true],
  [['10.0.0.0/8'], '11.0.0.0', false],
  [['10.0.0.0/8'], '::ffff:10.1.2.3', true],
  [['10.0.0.0/8'], '::ffff:a01:203', true],
  [['192.168.1.0/24'], '192.168.1.255', true],
  [['192.168.1.0/24'], '192.168.2.0', false],
  [['172.16.0.0/12'], '172.31.255.255', true],
  [['172.16.0.0/12'], '172.32.0.0', false],
  [['203.0.113.7/32'], '203.0.113.7', true],
  [['203.0.113.7/32'], '203.0.113.6', false],
  [['0.0.0.0/0'], '8.8.8.8', true],
  [['0.0.0.0/0'], '::ffff:8.8.8.8', true],
  [['0.0.0.0/0'], '2001:db8::1', false],
  [['128.0.0.0/1'], '127.255.255.255', false],
  [['128.0.0.0/1'], '128.0.0.0', true],
  // IPv6 networks
  [['2001:db8::/32'], '2001:db8:ffff::1', true],
  [['2001:db8::/32'], '2001:db9::1', false],
  [['2001:db8::/32'], '2001:DB8::1', true],
  [['fd00::/8'], 'fdff:1:2:3::4', true],
  [['fd00::/8'], 'fe00::1', false],
  [['2001:db8::1:0/112'], '2001:db8::1:ffff', true],
  [['2001:db8::1:0/112'], '2001:db8::2:0', false],
  [['2001:db8::/33'], '2001:db8:7fff::', true],
  [['2001:db8::/33'], '2001:db8:8000::', false],
  // A mapped entry is the IPv4 host; ::/0 holds the mapped space too
  [['::ffff:127.0.0.1'], '127.0.0.1', true],
  [['::ffff:0:0/96'], '192.0.2.1', true],
  [['::/0'], '2001:db8::1', true],
  [['::/0'], '192.0.2.1', true],
  // Zone ids are ignored
  [['fe80::/10'], 'fe80::1%eth0', true],
  [['::1'], 'fe80::1%lo', false],
  // Everything
  [['*'], '8.8.8.8', true],
  [['*'], '2001:db8::1', true],
  [['10.0.0.1', '*'], 'not an address', true],
  // A Unix socket has no IP peer: allowed, as in Gunicorn
  [['127.0.0.1'], undefined, true],
  [['127.0.0.1'], '', true],
  [[], undefined, true],
  // Text that is not an address is refused
  [['127.0.0.1'], 'localhost', false],
  [['127.0.0.1'], '127.0.0.1 ', false],
  [['127.0.0.1'], '127.000.0.1', false],
  [['0.0.0.0/0'], '256.0.0.1', false],
  [['::/0'], '1::2::3', false],
  [[], '127.0.0.1', false],
  // Several entries
  [['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32'], '192.168.7.7', true],
  [['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32'], '2001:db8::7', true],
  [['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32'], '172.16.0.1', false],
];

for (const [entries, peer, allowed] of CASES) {
  test(`allowList([${entries.join(', ')}])(${JSON.stringify(peer)}) is ${allowed}`, () => {
    assert.equal(allowList(entries)(peer), allowed);
  });
}

test('allowList refuses an entry that is not an address or network, naming it', () => {
  for (const bad of ['10.0.0.0/33', '::/129', 'example.com', '10.0.0.0/x', '1.2.3']) {
    assert.throws(() => allowList(['127.0.0.1', bad]), { message: `"${bad}" is not an IP address or network` });
  }
});

test('allowList accepts the entries as the IpList codec leaves them, and spaces around them', () => {
  assert.equal(allowList([' 10.0.0.0/8 '])('10.0.0.1'), true);
});

test('parseIpv4 is strict: four decimal octets, no leading zeros (as net.isIPv4)', () => {
  for (const text of ['0.0.0.0', '255.255.255.255', '1.2.3.4', '10.0.0.1']) {
    assert.notEqual(parseIpv4(text), undefined, text);
    assert.equal(net.isIPv4(text), true);
  }
  for (const text of ['1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.256', '1..3.4', '1.2.3.-4', '1.2.3.4 ', 'a.b.c.d', '']) {
    assert.equal(parseIpv4(text), undefined, text);
    assert.equal(net.isIPv4(text), false, text);
  }
  assert.equal(parseIpv4('255.255.255.255'), -1);
  assert.equal(parseIpv4('10.0.0.1'), 0x0a000001);
});

test('parseIpv6 accepts what net.isIPv6 accepts (no zone ids) and nothing else', () => {
  const valid = [
    '::',
    '::1',
    '1::',
    '2001:db8::1',
    '2001:0db8:0000:0000:0000:0000:0000:0001',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    '::2:3:4:5:6:7:8',
    '::ffff:1.2.3.4',
    '1:2:3:4:5:6:1.2.3.4',
    'FE80::ABCD',
  ];
  const invalid = [
    '',
    ':',
    ':::',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':1:2:3:4:5:6:7',
    '12345::',
    'g::1',
    '::1.2.3',
    '1.2.3.4::',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::ffff:01.2.3.4',
  ];
  for (const text of valid) {
    assert.equal(net.isIPv6(text), true, `node: ${text}`);
    assert.notEqual(parseIpv6(text), undefined, text);
  }
  for (const text of invalid) {
    assert.equal(net.isIPv6(text), false, `node: ${text}`);
    assert.equal(parseIpv6(text), undefined, text);
  }
  assert.deepEqual(parseIpv6('2001:db8::1'), [0x20010db8, 0, 0, 1]);
  assert.deepEqual(parseIp('::ffff:127.0.0.1'), { family: 'IPv6', words: [0, 0, 0xffff, 0x7f000001] });
  assert.deepEqual(parseIp('127.0.0.1'), { family: 'IPv4', words: [0, 0, 0xffff, 0x7f000001] });
});

test('formatIpv6 writes addresses as Node reports them (RFC 5952)', () => {
  const bytes = (text: string) => {
    const words = parseIpv6(text);
    assert.ok(words);
    const out = new Uint8Array(16);
    new DataView(out.buffer).setInt32(0, words[0]);
    new DataView(out.buffer).setInt32(4, words[1]);
    new DataView(out.buffer).setInt32(8, words[2]);
    new DataView(out.buffer).setInt32(12, words[3]);
    return out;
  };
  const CANONICAL: ReadonlyArray<readonly [string, string]> = [
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:0DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['0:0:0:0:0:ffff:7f00:1', '::ffff:127.0.0.1'],
    ['fe80::abcd', 'fe80::abcd'],
  ];
  for (const [text, canonical] of CANONICAL) assert.equal(formatIpv6(bytes(text), 0), canonical, text);
});
