/**
 * HTTP/2 in the workers, through Node's compatibility API (`Http2ServerRequest` and
 * `Http2ServerResponse` look like `IncomingMessage` and `ServerResponse`, so the guard, the
 * stages, the hooks and the app get them on the same `request` event):
 *
 * - over TLS, `http2SecureServerFactory` makes each listener's server with
 *   `http2.createSecureServer`: ALPN offers `--http-protocols` in order, and HTTP/1.1 clients
 *   are served by the same server (`allowHTTP1`) when h1 is listed;
 * - in cleartext, `acceptH2c` reads the first bytes of each connection from a trusted peer
 *   (`--forwarded-allow-ips`, as Gunicorn's development branch does): the h2 connection preface
 *   hands the socket to an `http2.createServer()` session, anything else to HTTP/1.1 with its
 *   bytes intact, so both are served on one port.
 *
 * Cost: nothing when HTTP/2 is off (none of this is installed). With h2c on, one read per
 * connection from a trusted peer before HTTP starts; no request pays anything.
 *
 * @example
 * const make = http2SecureServerFactory(tlsOptions, tlsSettings, false, h2);
 * workerServers(fds, { keepAliveMs, backlog, createServer: make });
 */
import { applyServerOptions } from './adopted-server';
import http from 'node:http';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { allowList } from '../streams/http/allow-list';
import type { Http2Options } from '../streams/http2-settings';
import { secureServerChecks } from './tls';
import type { TlsSettings } from '../streams/tls-settings';
import type { LoadedApp } from './load-app';
import { peerAddressOf } from './proxy-protocol';

/** The HTTP/2 connection preface a client with prior knowledge starts with (RFC 9113 §3.4). */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Used when the server has no header timeout (`headersTimeout = 0`). */
const FALLBACK_TIMEOUT_MS = 60_000;

/**
 * Node's options for an HTTP/2 server: the SETTINGS frame, and one header pair more than the
 * head rules allow (with the four pseudo-headers), so that too many fields get the rules' 431
 * rather than a stream reset by Node (its default is 128 pairs).
 */
const http2ServerOptions = (h2: Http2Options, maxFields: number | undefined): http2.ServerOptions => ({
  settings: { ...h2.settings },
  ...(maxFields === undefined ? {} : { maxHeaderListPairs: maxFields + 5 }),
});

/**
 * The `createServer` of `workerServers` for HTTPS with h2 offered: an `Http2SecureServer` with
 * the TLS options, ALPN in `--http-protocols`' order, HTTP/1.1 on the same server when h1 is
 * listed, the HTTP layer's options for its HTTP/1.1 connections, and the handshake's time limit
 * (`handshakeTimeout`, the header timeout) when one is given.
 *
 * @example
 * workerServers(fds, { keepAliveMs, backlog, createServer: http2SecureServerFactory(options, settings, false, h2) });
 */
export function http2SecureServerFactory(
  options: http2.SecureServerOptions,
  settings: Pick<TlsSettings, 'certReqs'>,
  proxied: boolean,
  h2: Http2Options,
  maxFields?: number,
): (serverOptions: http.ServerOptions & { readonly handshakeTimeout?: number }) => http.Server {
  return (serverOptions) => {
    // A handshake time the sslContext hook chose itself wins over the header timeout.
    const handshakeTimeout = options.handshakeTimeout ?? serverOptions.handshakeTimeout;
    const server = http2.createSecureServer({
      ...options,
      ...(handshakeTimeout === undefined ? {} : { handshakeTimeout }),
      ...http2ServerOptions(h2, maxFields),
      allowHTTP1: h2.protocols.includes('h1'),
      ALPNProtocols: h2.protocols.map((p) => (p === 'h2' ? 'h2' : 'http/1.1')),
    });
    // Http2SecureServer's constructor does not take the HTTP/1 options: set them on the server.
    applyServerOptions(server as unknown as http.Server, serverOptions);
    const target = server as unknown as Record<string, unknown>;
    // http's own: it closes the HTTP/1.1 connections Node tracks for this server (with allowHTTP1).
    target.closeAllConnections = http.Server.prototype.closeAllConnections;
    secureServerChecks(server, options, settings, proxied);
    return server as unknown as http.Server;
  };
}

/**
 * Serve HTTP/2 with prior knowledge (h2c) on a cleartext HTTP server: each connection from a
 * peer `trusted` allows is read until its first bytes tell; the h2 preface hands it to the
 * returned HTTP/2 server (which listens on nothing: it only gets connections), anything else to
 * `server`'s HTTP/1.1. Untrusted peers go straight to HTTP/1.1, unread.
 *
 * Call it before `acceptProxyProtocol` on the same server, so that the PROXY header (when on) is
 * read first and the preface after it.
 *
 * @example
 * const h2 = acceptH2c(server, options.settings, allowList(['127.0.0.1']));
 * h2.on('request', (req, res) => app(req, res));
 */
export function acceptH2c(
  server: http.Server,
  h2: Http2Options,
  trusted: (address: string | undefined) => boolean,
  maxFields?: number,
): http2.Http2Server {
  const h2server = http2.createServer(http2ServerOptions(h2, maxFields));
  type ConnectionListener = (this: http.Server, socket: Socket) => void;
  const handlers = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  const toHttp1 = (socket: Socket) => {
    for (const handler of handlers) handler.call(server, socket);
  };
  server.on('connection', function sniff(this: http.Server, socket: Socket) {
    if (!trusted(peerAddressOf(socket))) return toHttp1(socket);
    let bytes: Buffer | undefined;
    const timeoutMs = this.headersTimeout > 0 ? this.headersTimeout : FALLBACK_TIMEOUT_MS;
    const stop = () => {
      socket.setTimeout(0);
      socket.off('data', onData).off('timeout', close).off('end', close).off('error', close);
      socket.pause();
      if (bytes !== undefined) socket.unshift(bytes);
    };
    const close = () => socket.destroy();
    function onData(chunk: Buffer) {
      bytes = bytes === undefined ? chunk : Buffer.concat([bytes, chunk]);
      const n = Math.min(bytes.length, H2_PREFACE.length);
      const preface = bytes.compare(H2_PREFACE, 0, n, 0, n) === 0;
      if (preface && n < H2_PREFACE.length) return;
      stop();
      if (preface) {
        // The session reads the put-back bytes from the socket's buffer, then consumes the handle.
        h2server.emit('connection', socket);
        return;
      }
      toHttp1(socket);
      // http added its 'data' listener to a paused socket: let the put-back bytes flow to it.
      socket.resume();
    }
    socket.setTimeout(timeoutMs, close);
    socket.on('data', onData).on('end', close).on('error', close);
  });
  return h2server;
}

/**
 * The `h2c` of `workerServers`: prior knowledge for the peers in `--forwarded-allow-ips`.
 *
 * @example
 * workerServers(fds, { keepAliveMs, backlog, h2c: h2cOf(h2, ['127.0.0.1', '::1'], 100) });
 */
export const h2cOf =
  (h2: Http2Options, forwardedAllowIps: readonly string[], maxFields?: number) =>
  (server: http.Server): http2.Http2Server =>
    acceptH2c(server, h2, allowList(forwardedAllowIps), maxFields);

/**
 * Why an app cannot be served HTTP/2, in one line; `undefined` when it can. Express (4 and 5)
 * gives each request `http.IncomingMessage`'s prototype, and reading an HTTP/2 request's body
 * through it throws outside any handler (the worker would crash; expressjs/express#5347). An
 * app's own `http.Server` speaks HTTP/1 only and cannot be made an HTTP/2 server.
 *
 * @example
 * http2Refusal(await loadApp('examples/express.mjs', { cwd, kind: 'auto' }))
 * // 'Express cannot serve HTTP/2 requests (…); remove h2 from --http-protocols …'
 */
export function http2Refusal(app: Pick<LoadedApp, 'kind' | 'server' | 'needsIncomingMessage'>): string | undefined {
  if (app.server !== undefined || app.kind === 'server')
    return 'it exports its own server, which speaks HTTP/1 only; remove h2 from --http-protocols (or export the app instead of the server)';
  if (app.needsIncomingMessage)
    return 'it is an Express app, and Express cannot serve HTTP/2 requests (it needs http.IncomingMessage: expressjs/express#5347); remove h2 from --http-protocols, or serve it with Koa, Fastify, Hono or a plain handler';
  return undefined;
}
