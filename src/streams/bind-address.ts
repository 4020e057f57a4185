/**
 * Parses Gunicorn's bind syntax into a tagged address.
 *
 * `HOST`, `HOST:PORT`, `:PORT`, `[IPv6]:PORT`, `tcp://HOST:PORT`, `unix:PATH`, `unix://PATH`,
 * `fd://N`. An empty host means `0.0.0.0`; a missing port means 8000; hosts are lower-cased.
 *
 * @example
 * parseBind('[::1]:9000') // right({ kind: 'tcp', host: '::1', port: 9000 })
 */
import * as E from 'fp-ts/Either';

export type BindAddress =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'fd'; readonly fd: number };

export const DEFAULT_PORT = 8000;

const isPort = (text: string) => /^\d{1,5}$/.test(text) && Number(text) <= 65535;

export function parseBind(text: string): E.Either<string, BindAddress> {
  const raw = text.trim();
  if (raw === '') return E.left('an address is empty');
  if (raw.startsWith('unix://') || raw.startsWith('unix:')) {
    const path = raw.slice(raw.startsWith('unix://') ? 7 : 5);
    return path ? E.right({ kind: 'unix', path }) : E.left('unix: needs a socket path');
  }
  if (raw.startsWith('fd://')) {
    const n = raw.slice(5);
    return /^\d+$/.test(n)
      ? E.right({ kind: 'fd', fd: Number(n) })
      : E.left(`fd:// needs a file descriptor number, got "${n}"`);
  }
  const rest = raw.startsWith('tcp://') ? raw.slice(6) : raw;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return E.left('an IPv6 address is missing its closing "]"');
    const host = rest.slice(1, close).toLowerCase();
    const after = rest.slice(close + 1);
    if (after === '') return E.right({ kind: 'tcp', host, port: DEFAULT_PORT });
    if (!after.startsWith(':') || !isPort(after.slice(1))) return E.left(`bad port after "[${host}]"`);
    return E.right({ kind: 'tcp', host, port: Number(after.slice(1)) });
  }
  const colons = rest.split(':').length - 1;
  if (colons > 1) return E.left('an IPv6 address must be written in brackets, e.g. [::1]:8000');
  const [hostPart = '', portPart] = rest.split(':');
  if (portPart !== undefined && !isPort(portPart)) return E.left(`bad port "${portPart}" (expected 0-65535)`);
  if (hostPart !== '' && !/^[A-Za-z0-9.\-_]+$/.test(hostPart)) return E.left(`bad host "${hostPart}"`);
  return E.right({
    kind: 'tcp',
    host: hostPart === '' ? '0.0.0.0' : hostPart.toLowerCase(),
    port: portPart === undefined ? DEFAULT_PORT : Number(portPart),
  });
}

/** How Gunicorn names a listener in "Listening at:": `http://127.0.0.1:8000`, `http://[::1]:8000`, `unix:/run/x.sock`. */
export function describeBind(address: BindAddress): string {
  switch (address.kind) {
    case 'tcp':
      return `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
    case 'unix':
      return `unix:${address.path}`;
    case 'fd':
      return `fd://${address.fd}`;
  }
}
