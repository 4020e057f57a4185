/**
 * Reads a PROXY protocol header (HAProxy's spec, v1 text and v2 binary) from the first bytes of
 * a connection, as far as they have arrived.
 *
 * Why our own parser and not `proxy-protocol-js`: that one parses a complete buffer and throws
 * on a short one, so it cannot say "not a PROXY header" after the first byte nor "wait for more"
 * after a split chunk, and it is looser than Gunicorn (it does not check address families or
 * refuse UNIX and DGRAM). This file is those rules and nothing else, with no dependency.
 *
 * Incremental: call it again with all the bytes so far after each chunk. It answers `none` as
 * soon as the bytes differ from every signature the mode accepts (the connection is plain HTTP
 * from its first byte, as in Gunicorn, where the header is optional), `partial` while a header
 * may still be arriving, `invalid` for a header that breaks the rules, and the header itself with
 * its length (the HTTP bytes start there).
 *
 * The rules (Gunicorn 26's, `message.py`), and where we differ:
 * - v1: `PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n`, six fields separated by single
 *   spaces, addresses valid for the family, ports 0-65535, at most 107 bytes with the CRLF.
 *   `PROXY UNKNOWN …\r\n` is accepted and means "keep the real peer" (Gunicorn refuses it; the
 *   spec requires receivers to accept it, and HAProxy sends it for health checks and non-IP
 *   clients).
 * - v2: the 12-byte signature, version 2, command LOCAL (keep the real peer: a proxy's health
 *   check) or PROXY; with PROXY, family INET (12 address bytes at least) or INET6 (36) over
 *   STREAM, or UNSPEC (keep the real peer); UNIX, DGRAM and anything else are invalid. TLVs
 *   are skipped.
 *
 * @example
 * const read = readProxyHeader(new TextEncoder().encode('PROXY TCP4 1.2.3.4 5.6.7.8 1000 80\r\nGET /'), 'auto');
 * // { type: 'proxied', version: 1, length: 36, source: { address: '1.2.3.4', port: 1000, family: 'IPv4' }, … }
 */
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from './ip-address';

/** Which header versions a listener accepts (`--proxy-protocol`, less `off`). */
export type ProxyMode = 'v1' | 'v2' | 'auto';

/** One end of the proxied connection, as Node names a socket's address. */
export interface ProxyEndpoint {
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
}

export type ProxyHeaderRead =
  /** Not a PROXY header: plain HTTP from the first byte. */
  | { readonly type: 'none' }
  /** A PROXY header so far: read more. */
  | { readonly type: 'partial' }
  | { readonly type: 'invalid'; readonly version: 1 | 2; readonly reason: string }
  /** The proxy speaks for itself (v2 LOCAL or UNSPEC, v1 UNKNOWN): keep the real peer. */
  | { readonly type: 'local'; readonly version: 1 | 2; readonly length: number }
  /** A connection the proxy accepted from `source` on its address `destination`. */
  | {
      readonly type: 'proxied';
      readonly version: 1 | 2;
      readonly length: number;
      readonly source: ProxyEndpoint;
      readonly destination: ProxyEndpoint;
    };

const NONE: ProxyHeaderRead = { type: 'none' };
const PARTIAL: ProxyHeaderRead = { type: 'partial' };

/** `PROXY ` */
const V1_SIGNATURE = [0x50, 0x52, 0x4f, 0x58, 0x59, 0x20] as const;
/** `\r\n\r\n\0\r\nQUIT\n` */
const V2_SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a] as const;
/** The longest v1 line, CRLF included (the spec's worst case, TCP6 with full addresses). */
export const V1_MAX_LENGTH = 107;
const V2_FIXED = 16;

/** Whether the bytes so far agree with `signature` (all of it, or as many bytes as there are). */
function startsLike(bytes: Uint8Array, signature: readonly number[]): boolean {
  const n = Math.min(bytes.length, signature.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== signature[i]) return false;
  return true;
}

/**
 * The PROXY header at the start of `bytes`, as far as it can be told yet.
 *
 * @example
 * readProxyHeader(new TextEncoder().encode('GET / HTTP/1.1\r\n'), 'auto') // { type: 'none' }
 * readProxyHeader(new TextEncoder().encode('PRO'), 'auto')                 // { type: 'partial' }
 */
export function readProxyHeader(bytes: Uint8Array, mode: ProxyMode): ProxyHeaderRead {
  if (bytes.length === 0) return PARTIAL;
  if (mode !== 'v2' && startsLike(bytes, V1_SIGNATURE)) {
    return bytes.length < V1_SIGNATURE.length ? PARTIAL : readV1(bytes);
  }
  if (mode !== 'v1' && startsLike(bytes, V2_SIGNATURE)) {
    return bytes.length < V2_FIXED ? PARTIAL : readV2(bytes);
  }
  return NONE;
}

const invalidV1 = (reason: string): ProxyHeaderRead => ({ type: 'invalid', version: 1, reason });
const invalidV2 = (reason: string): ProxyHeaderRead => ({ type: 'invalid', version: 2, reason });

/** A decimal port, 0-65535. */
const portOf = (text: string): number | undefined =>
  /^\d{1,5}$/.test(text) && Number(text) <= 65535 ? Number(text) : undefined;

function readV1(bytes: Uint8Array): ProxyHeaderRead {
  // Find the CRLF, refusing early what cannot be a v1 line (a control byte, a bare CR or LF).
  let end = -1;
  const limit = Math.min(bytes.length, V1_MAX_LENGTH);
  for (let i = V1_SIGNATURE.length; i < limit; i++) {
    const c = bytes[i] ?? 0;
    if (c === 0x0d) {
      if (i + 1 === bytes.length) return PARTIAL;
      if (bytes[i + 1] !== 0x0a) return invalidV1('CR without LF');
      end = i;
      break;
    }
    if (c < 0x20 || c > 0x7e) return invalidV1('a byte that is not printable ASCII');
  }
  if (end < 0) return bytes.length >= V1_MAX_LENGTH ? invalidV1('longer than 107 bytes') : PARTIAL;
  const line = String.fromCharCode(...bytes.subarray(0, end));
  const length = end + 2;
  const fields = line.split(' ');
  if (fields[1] === 'UNKNOWN') return { type: 'local', version: 1, length };
  if (fields.length !== 6) return invalidV1('not 6 fields separated by single spaces');
  const [, protocol, src = '', dst = '', sport = '', dport = ''] = fields;
  if (protocol !== 'TCP4' && protocol !== 'TCP6') return invalidV1('protocol is not TCP4, TCP6 or UNKNOWN');
  const family = protocol === 'TCP4' ? 'IPv4' : 'IPv6';
  const address = (text: string) => {
    if (family === 'IPv4') return parseIpv4(text) === undefined ? undefined : text;
    const words = parseIpv6(text);
    if (words === undefined) return undefined;
    const raw = new Uint8Array(16);
    words.forEach((w, i) => {
      raw[4 * i] = w >>> 24;
      raw[4 * i + 1] = (w >>> 16) & 0xff;
      raw[4 * i + 2] = (w >>> 8) & 0xff;
      raw[4 * i + 3] = w & 0xff;
    });
    return formatIpv6(raw, 0);
  };
  const source = address(src);
  const destination = address(dst);
  if (source === undefined || destination === undefined) return invalidV1(`an address is not ${family}`);
  const sourcePort = portOf(sport);
  const destinationPort = portOf(dport);
  if (sourcePort === undefined || destinationPort === undefined) return invalidV1('a port is not 0-65535');
  return {
    type: 'proxied',
    version: 1,
    length,
    source: { address: source, port: sourcePort, family },
    destination: { address: destination, port: destinationPort, family },
  };
}

function readV2(bytes: Uint8Array): ProxyHeaderRead {
  const versionCommand = bytes[12] ?? 0;
  const familyProtocol = bytes[13] ?? 0;
  const length = V2_FIXED + (((bytes[14] ?? 0) << 8) | (bytes[15] ?? 0));
  if (versionCommand >> 4 !== 2) return invalidV2(`version ${versionCommand >> 4}, not 2`);
  const command = versionCommand & 0x0f;
  if (command > 1) return invalidV2(`unknown command ${command}`);
  // LOCAL ignores the address block; PROXY's is checked before waiting for it.
  const family = command === 0 ? 0 : familyProtocol >> 4;
  if (family !== 0) {
    if (family !== 1 && family !== 2) {
      return invalidV2(family === 3 ? 'UNIX addresses are not supported' : `unknown address family ${family}`);
    }
    if ((familyProtocol & 0x0f) !== 1) return invalidV2('transport is not STREAM');
    if (length - V2_FIXED < (family === 1 ? 12 : 36)) return invalidV2('address block too short for its family');
  }
  if (bytes.length < length) return PARTIAL;
  if (family === 0) return { type: 'local', version: 2, length };
  const at = V2_FIXED;
  const port = (i: number) => ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0);
  const v4 = family === 1;
  const size = v4 ? 4 : 16;
  const format = v4 ? formatIpv4 : formatIpv6;
  const endpointFamily = v4 ? 'IPv4' : 'IPv6';
  return {
    type: 'proxied',
    version: 2,
    length,
    source: { address: format(bytes, at), port: port(at + 2 * size), family: endpointFamily },
    destination: { address: format(bytes, at + size), port: port(at + 2 * size + 2), family: endpointFamily },
  };
}
