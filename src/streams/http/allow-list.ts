/**
 * The trusted-peer check of `--proxy-allow-from` and `--forwarded-allow-ips`: is this peer one of
 * these IP addresses or CIDR networks?
 *
 * Why precompiled: the check runs once per connection, so the entries are parsed once, into a
 * 128-bit address and mask each, and a peer costs one parse and a few integer compares per
 * entry. IPv4 is compared as its IPv4-mapped IPv6 form, so `10.0.0.1` and `10.0.0.0/8` also match
 * a dual-stack listener's `::ffff:10.0.0.1`, and `::ffff:10.0.0.1` matches `10.0.0.1` (one host,
 * two spellings). A consequence, stated so nobody is surprised: `::/0` contains every IPv4-mapped
 * address, so it matches IPv4 peers too.
 *
 * @example
 * const allowed = allowList(['127.0.0.1', '10.0.0.0/8', '::1']);
 * allowed('10.1.2.3')          // true
 * allowed('::ffff:127.0.0.1')  // true
 * allowed('192.168.0.1')       // false
 * allowed(undefined)           // true: a Unix socket has no IP peer
 */
import { type IpWords, parseIp } from './ip-address';

/** A network: the bits that must match, and which of them count. */
interface Network {
  readonly words: IpWords;
  readonly mask: IpWords;
}

/** The mask of the `prefix` leading bits out of 128, as four words. */
function maskOf(prefix: number): IpWords {
  const word = (i: number) => {
    const bits = Math.min(32, Math.max(0, prefix - 32 * i));
    return bits === 0 ? 0 : (0xffffffff << (32 - bits)) | 0;
  };
  return [word(0), word(1), word(2), word(3)];
}

/** One allow-list entry (an address or CIDR network, IPv4 or IPv6) as a network; throws when it is neither. */
function networkOf(entry: string): Network {
  const slash = entry.indexOf('/');
  const ip = parseIp(slash < 0 ? entry : entry.slice(0, slash));
  const prefixText = slash < 0 ? undefined : entry.slice(slash + 1);
  const width = ip?.family === 'IPv4' ? 32 : 128;
  const prefix = prefixText === undefined ? width : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : -1;
  if (ip === undefined || prefix < 0 || prefix > width) {
    throw new Error(`"${entry}" is not an IP address or network`);
  }
  const mask = maskOf(prefix + 128 - width);
  const w = ip.words;
  return { words: [w[0] & mask[0], w[1] & mask[1], w[2] & mask[2], w[3] & mask[3]], mask };
}

const anyPeer = (_ip: string | undefined): boolean => true;

/**
 * A check of peers against `entries` (IP addresses, CIDR networks, or `*` for every peer).
 *
 * The check answers true for a peer with no IP address (`undefined` or `''`, as Node reports a
 * Unix-socket peer), as Gunicorn trusts every non-IP peer; an IPv6 zone id (`fe80::1%eth0`) is
 * ignored; any other text that is not an IP address is refused. Throws on an entry that is not
 * an address or network (the settings codec `IpList` has already refused those).
 *
 * @example
 * const mayProxy = allowList(['127.0.0.1', '::1', '10.0.0.0/8']);
 * if (!mayProxy(socket.remoteAddress)) refuse(socket);
 */
export function allowList(entries: readonly string[]): (ip: string | undefined) => boolean {
  if (entries.some((e) => e.trim() === '*')) return anyPeer;
  const networks = entries.map((e) => networkOf(e.trim()));
  return function allowed(ip: string | undefined): boolean {
    if (ip === undefined || ip === '') return true;
    const zone = ip.indexOf('%');
    const peer = parseIp(zone < 0 ? ip : ip.slice(0, zone));
    if (peer === undefined) return false;
    const [a, b, c, d] = peer.words;
    for (const { words: n, mask: m } of networks) {
      if (
        ((a ^ n[0]) & m[0]) === 0
        && ((b ^ n[1]) & m[1]) === 0
        && ((c ^ n[2]) & m[2]) === 0
        && ((d ^ n[3]) & m[3]) === 0
      ) {
        return true;
      }
    }
    return false;
  };
}
