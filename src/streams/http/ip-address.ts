/**
 * IP addresses as numbers: strict parsing of the text forms (what `inet_pton` accepts) and the
 * text Node itself gives for an address (`socket.remoteAddress`).
 *
 * Why a single 128-bit form: an IPv4 address is kept as its IPv4-mapped IPv6 address
 * (`::ffff:a.b.c.d`), which is how a dual-stack Node listener reports an IPv4 client. So
 * `10.0.0.1` and `::ffff:10.0.0.1` are one address to the allow-list, and a peer matches a
 * network with four integer compares. The words are signed 32-bit integers (what `|` and `^`
 * give), compared only for equality under a mask.
 *
 * @example
 * parseIp('127.0.0.1') // [0, 0, 0xffff, 0x7f000001 | 0]
 * parseIp('::1')       // [0, 0, 0, 1]
 */

/** 128 bits as four 32-bit words, most significant first. */
export type IpWords = readonly [number, number, number, number];

/** The word before an IPv4-mapped address's last 32 bits: `::ffff:0:0/96`. */
const MAPPED = 0xffff;

/** A decimal octet, 0-255, without leading zeros (as `inet_pton` and `net.isIPv4`). */
function octet(text: string): number | undefined {
  if (text.length === 0 || text.length > 3 || (text.length > 1 && text.charCodeAt(0) === 48)) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n <= 255 ? n : undefined;
}

/**
 * A dotted-quad IPv4 address as one signed 32-bit integer, or undefined when `text` is not one.
 *
 * @example
 * parseIpv4('10.0.0.1') // 0x0a000001
 * parseIpv4('10.0.0.01') // undefined (leading zero)
 */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let bits = 0;
  for (const part of parts) {
    const n = octet(part);
    if (n === undefined) return undefined;
    bits = (bits << 8) | n;
  }
  return bits;
}

/** 1 to 4 hex digits, as a 16-bit group. */
function group(text: string): number | undefined {
  if (text.length === 0 || text.length > 4) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 0x20; // lower-case letters; digits keep their code
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) return undefined;
    n = (n << 4) | d;
  }
  return n;
}

/** The 16-bit groups of one side of `::`, an IPv4 tail counting as two; undefined when malformed. */
function groups(text: string, tailAllowed: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (tailAllowed && i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      out.push(v4 >>> 16, v4 & 0xffff);
    } else {
      const g = group(part);
      if (g === undefined) return undefined;
      out.push(g);
    }
  }
  return out;
}

/**
 * An IPv6 address in any RFC 4291 text form (`::` once, an IPv4 tail), or undefined. No zone id
 * (`%eth0`): strip it first where one may appear.
 *
 * @example
 * parseIpv6('2001:db8::1') // [0x20010db8, 0, 0, 1]
 */
export function parseIpv6(text: string): IpWords | undefined {
  const gap = text.indexOf('::');
  let all: number[];
  if (gap < 0) {
    const g = groups(text, true);
    if (g === undefined || g.length !== 8) return undefined;
    all = g;
  } else {
    if (text.indexOf('::', gap + 1) >= 0) return undefined;
    const head = groups(text.slice(0, gap), false);
    const tail = groups(text.slice(gap + 2), true);
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    all = [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const w = (i: number) => ((all[i] ?? 0) << 16) | (all[i + 1] ?? 0);
  return [w(0), w(2), w(4), w(6)];
}

/**
 * Any IP address as 128 bits (IPv4 as `::ffff:a.b.c.d`), with its family; undefined when `text`
 * is not an address.
 *
 * @example
 * parseIp('::ffff:127.0.0.1') // { family: 'IPv6', words: [0, 0, 0xffff, 0x7f000001 | 0] }
 */
export function parseIp(text: string): { readonly family: 'IPv4' | 'IPv6'; readonly words: IpWords } | undefined {
  if (!text.includes(':')) {
    const v4 = parseIpv4(text);
    return v4 === undefined ? undefined : { family: 'IPv4', words: [0, 0, MAPPED, v4] };
  }
  const v6 = parseIpv6(text);
  return v6 === undefined ? undefined : { family: 'IPv6', words: v6 };
}

/**
 * Four bytes at `at` as a dotted quad.
 *
 * @example
 * formatIpv4(Uint8Array.of(127, 0, 0, 1), 0) // '127.0.0.1'
 */
export const formatIpv4 = (bytes: Uint8Array, at: number): string =>
  `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;

/**
 * Sixteen bytes at `at` as Node writes an IPv6 address (RFC 5952: lower-case, no leading zeros,
 * the longest run of two or more zero groups as `::`, an IPv4-mapped address as `::ffff:a.b.c.d`).
 *
 * @example
 * formatIpv6(new Uint8Array(16).fill(0, 0, 15).fill(1, 15), 0) // '::1'
 */
export function formatIpv6(bytes: Uint8Array, at: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(((bytes[at + 2 * i] ?? 0) << 8) | (bytes[at + 2 * i + 1] ?? 0));
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === MAPPED) {
    return `::ffff:${formatIpv4(bytes, at + 12)}`;
  }
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const hex = (from: number, to: number) =>
    g
      .slice(from, to)
      .map((n) => n.toString(16))
      .join(':');
  return best < 0 ? hex(0, 8) : `${hex(0, best)}::${hex(best + bestLength, 8)}`;
}
