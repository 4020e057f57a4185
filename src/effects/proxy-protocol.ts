/**
 * The PROXY protocol on a worker's HTTP server (`--proxy-protocol`, `--proxy-allow-from`): the
 * header a proxy (HAProxy's `send-proxy`, nginx's `proxy_protocol on`) sends before HTTP is read
 * off the raw socket, and the app sees the original client as `req.socket.remoteAddress`,
 * `remotePort` and `remoteFamily`, on every request of the connection.
 *
 * How: the server's own `connection` listener (http's, which starts llhttp on the socket) is
 * taken over. Each new connection is read in flowing mode until `readProxyHeader` can tell; the
 * bytes after the header are put back with `unshift`, and only then is the socket handed to
 * http's listener, which consumes the handle natively and reads the put-back bytes from the
 * socket's buffer first (a request pipelined in the header's TCP segment is not lost). A
 * connection that does not start with a header is handed over with its bytes intact: the header
 * is optional, as in Gunicorn. The cost is per connection and only when the setting is on: no
 * request pays anything.
 *
 * Refusals, each answered with `Connection: close` and the connection closed: a header from a
 * peer not in the allow-list is 403 (Gunicorn's ForbiddenProxyRequest, checked before the
 * header's syntax), a malformed one 400. A header that does not arrive within the server's
 * `headersTimeout` closes the connection without an answer (as a slow request line would).
 *
 * The proxy itself (the TCP peer) stays readable as `socket.proxyProtocol.peerAddress`: whoever
 * decides to trust forwarded headers must look at the peer, not at the client the proxy names.
 *
 * @example
 * const server = http.createServer(app);
 * acceptProxyProtocol(server, { mode: 'auto', allowFrom: ['127.0.0.1', '::1'] });
 * server.listen(8000);
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import { allowList } from '../streams/http/allow-list';
import { type ProxyHeaderRead, type ProxyMode, readProxyHeader } from '../streams/http/proxy-header';

export interface ProxyProtocolOptions {
  /** Which header versions are read: `v1`, `v2` or `auto` (both). */
  readonly mode: ProxyMode;
  /** The peers allowed to send a header: IP addresses, CIDR networks, or `*`. */
  readonly allowFrom: readonly string[];
}

/**
 * What a PROXY header said, on `socket.proxyProtocol` (for a LOCAL / UNKNOWN header, only
 * `version`, `command` and the peer).
 */
export interface ProxyProtocolInfo {
  readonly version: 1 | 2;
  /** `PROXY`: a relayed client; `LOCAL`: the proxy speaking for itself (v2 LOCAL or UNSPEC, v1 UNKNOWN). */
  readonly command: 'PROXY' | 'LOCAL';
  /** The client, as the proxy saw it (also `remoteAddress` / `remotePort`). */
  readonly sourceAddress?: string;
  readonly sourcePort?: number;
  /** The proxy's address the client connected to (Gunicorn's `PROXY_ADDR` / `PROXY_PORT`). */
  readonly destinationAddress?: string;
  readonly destinationPort?: number;
  /** The TCP peer: the proxy itself. */
  readonly peerAddress: string | undefined;
  readonly peerPort: number | undefined;
}

/** A socket that may carry what its PROXY header said. */
export type ProxiedSocket = Socket & { readonly proxyProtocol?: ProxyProtocolInfo };

/**
 * The TCP peer of a socket, whatever its PROXY header said: the address to check against a
 * trusted-proxy list (`--forwarded-allow-ips`).
 *
 * @example
 * if (!trusted(peerAddressOf(req.socket))) stripForwardedHeaders(req);
 */
export const peerAddressOf = (socket: Socket): string | undefined =>
  (socket as ProxiedSocket).proxyProtocol?.peerAddress ?? socket.remoteAddress;

/** Used when the server has no header timeout (`headersTimeout = 0`). */
const FALLBACK_TIMEOUT_MS = 60_000;

/** A complete response that closes the connection. */
const refusal = (status: string, body: string): string =>
  `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

const FORBIDDEN = refusal('403 Forbidden', 'Request forbidden\n');
const INVALID_V1 = refusal('400 Bad Request', 'Invalid PROXY line\n');
const INVALID_V2 = refusal('400 Bad Request', 'Invalid PROXY header\n');

type ConnectionListener = (this: http.Server, socket: Socket) => void;

/**
 * Read a PROXY header before HTTP on every connection `server` accepts from now on.
 *
 * Call it before adding other `connection` listeners: those added earlier (http's own) run only
 * once the header is read, those added later run at once.
 *
 * @example
 * acceptProxyProtocol(http.createServer(app), { mode: 'v2', allowFrom: ['10.0.0.0/8'] });
 */
export function acceptProxyProtocol(server: http.Server, options: ProxyProtocolOptions): void {
  const allowed = allowList(options.allowFrom);
  const { mode } = options;
  const handlers = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  // Connections still waiting for their header are not http's yet: its closeAllConnections()
  // (a worker's drain deadline) would miss them, so it closes them too.
  const waiting = new Set<Socket>();
  const closeAllConnections = server.closeAllConnections;
  server.closeAllConnections = function closeAll(this: http.Server) {
    for (const socket of waiting) socket.destroy();
    waiting.clear();
    closeAllConnections.call(this);
  };

  server.on('connection', function readHeader(this: http.Server, socket: Socket) {
    let bytes: Buffer | undefined;
    const timeoutMs = this.headersTimeout > 0 ? this.headersTimeout : FALLBACK_TIMEOUT_MS;

    const stop = () => {
      waiting.delete(socket);
      socket.setTimeout(0);
      socket.off('data', onData).off('timeout', onTimeout).off('end', onEnd).off('error', onError);
    };
    const close = () => {
      waiting.delete(socket);
      socket.destroy();
    };
    const onTimeout = close;
    const onEnd = close;
    const onError = close;
    const refuse = (response: string) => {
      stop();
      // Half-closed and drained until the client hangs up, so the answer is not lost to a reset.
      socket.on('error', onError).setTimeout(timeoutMs, onTimeout);
      socket.end(response);
      socket.resume();
    };
    const handOver = (rest: Buffer, read: ProxyHeaderRead) => {
      stop();
      socket.pause();
      if (read.type === 'proxied' || read.type === 'local') describe(socket, read);
      if (rest.length > 0) socket.unshift(rest);
      for (const handler of handlers) handler.call(server, socket);
      // http added its 'data' listener to a paused socket: let the put-back bytes flow to it.
      // tls.Server's listener adds none: it reads the put-back bytes itself (a ClientHello that
      // came in the header's segment), and flowing now would drop them.
      if (socket.listenerCount('data') > 0) socket.resume();
    };
    function onData(chunk: Buffer) {
      bytes = bytes === undefined ? chunk : Buffer.concat([bytes, chunk]);
      const read = readProxyHeader(bytes, mode);
      switch (read.type) {
        case 'partial':
          return;
        case 'none':
          return handOver(bytes, read);
        case 'invalid':
          return refuse(!allowed(socket.remoteAddress) ? FORBIDDEN : read.version === 1 ? INVALID_V1 : INVALID_V2);
        default:
          if (!allowed(socket.remoteAddress)) return refuse(FORBIDDEN);
          return handOver(bytes.subarray(read.length), read);
      }
    }
    waiting.add(socket);
    socket.setTimeout(timeoutMs, onTimeout);
    socket.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** Make the socket name the client the header names, keeping what the header said on `proxyProtocol`. */
function describe(socket: Socket, read: Extract<ProxyHeaderRead, { type: 'proxied' | 'local' }>): void {
  const peer = { peerAddress: socket.remoteAddress, peerPort: socket.remotePort };
  if (read.type === 'local') {
    const info: ProxyProtocolInfo = { version: read.version, command: 'LOCAL', ...peer };
    Object.defineProperty(socket, 'proxyProtocol', { value: info, enumerable: true });
    return;
  }
  const { source, destination } = read;
  const info: ProxyProtocolInfo = {
    version: read.version,
    command: 'PROXY',
    sourceAddress: source.address,
    sourcePort: source.port,
    destinationAddress: destination.address,
    destinationPort: destination.port,
    ...peer,
  };
  // Own properties shadow net.Socket's getters (which ask the kernel for the peer's name).
  Object.defineProperties(socket, {
    proxyProtocol: { value: info, enumerable: true },
    remoteAddress: { value: source.address, enumerable: true },
    remotePort: { value: source.port, enumerable: true },
    remoteFamily: { value: source.family, enumerable: true },
  });
}
