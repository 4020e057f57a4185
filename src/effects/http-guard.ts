/**
 * What stands between a worker's sockets and its request pipeline: the head rules applied to
 * every request before any stage or the app sees it, Gunicorn's statuses for what Node's parser
 * refuses, slow-client timeouts, lazy `100 Continue`, and forwarded headers stripped from peers
 * not trusted to send them.
 *
 * Why every refusal closes the connection: once a request's framing is in doubt, bytes after it
 * on the same connection may be a second request smuggled past a proxy. The refused connection
 * is marked, requests Node has already parsed behind it are dropped, and it is closed after the
 * answer: write side first, then the whole socket once the client ends or after 2 s (RFC 9112
 * §9.6: closing at once could reset the connection before the client reads the answer).
 *
 * Cost per request: one call of `inspectHead` (one pass over `rawHeaders`), one property read
 * for the refused mark; nothing is allocated unless a rule applies.
 *
 * HTTP/2 requests (Node's compatibility API: `Http2ServerRequest`, `httpVersion` '2.0') go
 * through the same rules without the HTTP/1 framing ones (see `inspectHead`'s `h2`). A refusal
 * answers that stream only: the other streams of the session go on, and no `Connection` header
 * is sent (HTTP/2 forbids it).
 *
 * @example
 * const guard = httpGuard({ limits, trusted: allowList(['127.0.0.1']), logger, onRefused });
 * const server = http.createServer(guard.serverOptions);
 * guard.install(server);
 * server.on('request', (req, res) => { if (guard.admit(req, res)) app(req, res); });
 */
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  forbiddenTrailer,
  headRules,
  type HeadSettings,
  inspectHead,
  maxHeadBytes,
  printable,
  type Refusal,
} from '../streams/http/head-rules';
import { refusalForParseError, refusalResponse } from '../streams/http/refusals';
import type { Logger } from './logger';
import { peerAddressOf } from './proxy-protocol';

/** The settings of the HTTP layer a worker serves with. */
export interface HttpSettings extends HeadSettings {
  /** Time to receive a request's whole head, in ms; 0 = none. */
  readonly headerTimeoutMs: number;
  /** Time to receive a whole request, head and body, in ms; 0 = none. */
  readonly requestTimeoutMs: number;
  /** `--forwarded-allow-ips`: may this peer send forwarded and scheme headers? */
  readonly forwardedAllowIps: readonly string[];
}

/** Gunicorn's limits and scheme headers, runicorn's timeouts: what a worker uses when given none. */
export const DEFAULT_HTTP_SETTINGS: HttpSettings = {
  limitRequestLine: 4094,
  limitRequestFields: 100,
  limitRequestFieldSize: 8190,
  secureSchemeHeaders: { 'X-FORWARDED-PROTOCOL': 'ssl', 'X-FORWARDED-PROTO': 'https', 'X-FORWARDED-SSL': 'on' },
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  forwardedAllowIps: ['127.0.0.1', '::1'],
};

export interface HttpGuardOptions {
  readonly settings: HttpSettings;
  /** Whether a peer address may send forwarded and scheme headers (an undefined address is a Unix socket). */
  readonly trusted: (address: string | undefined) => boolean;
  readonly logger: Logger;
  /** Told about each request refused after parsing, once its answer is sent (the access log). */
  readonly onRefused?: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface HttpGuard {
  /** The most header fields a request may have (`--limit-request-fields`, as the rules count it). */
  readonly maxFields: number;
  /** Options for `http.createServer`: head size and timeouts from the settings. */
  readonly serverOptions: ServerOptions;
  /** Answer parse errors, CONNECT and `Expect: 100-continue` the runicorn way on this server. */
  install(server: Server, dispatch: (req: IncomingMessage, res: ServerResponse) => void): void;
  /** Apply the head rules: true to run the request, false when it was answered here. */
  admit(req: IncomingMessage, res: ServerResponse): boolean;
}

const REFUSED = Symbol('runicorn.refused');
const TRUSTED = Symbol('runicorn.trusted');
type GuardedSocket = Socket & {
  [REFUSED]?: true;
  [TRUSTED]?: boolean;
  _httpMessage?: (ServerResponse & { _headerSent?: boolean }) | null;
};

/** How long a refused connection may go on sending before it is closed outright. */
const LINGER_MS = 2000;

/** Close after the answer: our side now, the whole socket once the client ends or after LINGER_MS. */
function closeGracefully(socket: Socket, bytes: string): void {
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.once('end', () => socket.destroy());
  socket.end(bytes);
}

const peer = (socket: Socket): string => socket.remoteAddress ?? 'unix';

export function httpGuard(options: HttpGuardOptions): HttpGuard {
  const { settings, logger, trusted } = options;
  const rules = headRules(settings);
  const checkEvery = Math.max(250, Math.min(1000, Math.floor((settings.headerTimeoutMs || 1000) / 2)));
  const requestTimeout = settings.requestTimeoutMs;
  const headersTimeout =
    requestTimeout > 0
      ? Math.min(settings.headerTimeoutMs || requestTimeout, requestTimeout)
      : settings.headerTimeoutMs;
  const warn = (socket: Socket, refusal: Refusal) =>
    logger.log('warning', `Invalid request from ip=${peer(socket)}: ${refusal.message} (${refusal.status})`);

  /** Asked only for requests with forwarded or scheme headers; once per connection. */
  function trustedPeer(req: IncomingMessage): boolean {
    const socket = req.socket as GuardedSocket;
    let known = socket[TRUSTED];
    // The TCP peer decides (the proxy, when a PROXY header named the client), as in Gunicorn.
    if (known === undefined) known = socket[TRUSTED] = trusted(peerAddressOf(socket));
    return known;
  }

  function refuse(req: IncomingMessage, res: ServerResponse, refusal: Refusal): void {
    const socket = req.socket as GuardedSocket;
    const h2 = isHttp2(req);
    if (!h2) socket[REFUSED] = true;
    warn(socket, refusal);
    const body = `${refusal.message}\n`;
    if (!h2) res.shouldKeepAlive = false;
    if (options.onRefused) {
      const onRefused = options.onRefused;
      res.once('close', () => onRefused(req, res));
    }
    res.writeHead(
      refusal.status,
      h2
        ? { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length }
        : { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, Connection: 'close' },
    );
    res.end(body);
  }

  /** A chunked request whose trailers hold a forbidden field fails as its body ends. */
  function checkTrailers(req: IncomingMessage, res: ServerResponse): void {
    const push = req.push;
    req.push = function pushChecked(this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding) {
      if (chunk !== null) return push.call(this, chunk, encoding);
      const name = forbiddenTrailer(this.rawTrailers);
      if (name === undefined) return push.call(this, null);
      const refusal: Refusal = { status: 400, message: `Invalid trailer field: '${printable(name)}'` };
      const error = Object.assign(new Error(refusal.message), {
        code: 'RUNICORN_FORBIDDEN_TRAILER',
        status: 400,
        statusCode: 400,
        expose: true,
      });
      // The body never ends for the app: it fails, after the 400 is on its way when the app has not answered yet.
      if (res.headersSent) {
        res.shouldKeepAlive = false;
        this.destroy(error);
      } else {
        refuse(this, res, refusal);
        res.once('finish', () => this.destroy(error));
      }
      return false;
    };
  }

  function onClientError(error: Error & { code?: string; reason?: string; rawPacket?: Buffer }, socket: Socket) {
    const s = socket as GuardedSocket;
    if (s[REFUSED] || socket.destroyed) return;
    s[REFUSED] = true;
    const packet = error.rawPacket
      ? error.rawPacket.toString('latin1', 0, Math.min(error.rawPacket.length, 16384))
      : '';
    const refusal = refusalForParseError(error.code, error.reason ?? error.message, packet, rules);
    const inFlight = s._httpMessage;
    if (refusal === undefined || !socket.writable || inFlight?._headerSent) {
      socket.destroy();
      return;
    }
    if (refusal.status !== 408) warn(socket, refusal);
    closeGracefully(socket, refusalResponse(refusal));
  }

  /** CONNECT (a tunnel through a proxy) is not something an origin server's app can answer here. */
  function onConnect(req: IncomingMessage, socket: Socket) {
    // HTTP/2's CONNECT is a stream, and the second argument its response.
    if (isHttp2(req))
      return refuse(req, socket as unknown as ServerResponse, { status: 501, message: 'CONNECT is not supported' });
    const s = socket as GuardedSocket;
    s[REFUSED] = true;
    const refusal: Refusal = { status: 501, message: 'CONNECT is not supported' };
    warn(socket, refusal);
    closeGracefully(socket, refusalResponse(refusal));
  }

  return {
    maxFields: rules.fields,
    serverOptions: {
      maxHeaderSize: maxHeadBytes(rules),
      headersTimeout,
      requestTimeout,
      connectionsCheckingInterval: checkEvery,
      // Answered by the head rules, in the same form as every other refusal.
      requireHostHeader: false,
    },
    install(server, dispatch) {
      server.maxHeadersCount = rules.fields + 1;
      server.on('clientError', onClientError);
      server.on('connect', onConnect);
      // `Expect: 100-continue`: the 100 goes out when the app first reads the body, and never
      // once it has answered (a 413 or 401 without reading is the point of asking).
      server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
        const read = req._read;
        req._read = function readContinued(this: IncomingMessage, size: number) {
          req._read = read;
          if (!res.headersSent) res.writeContinue();
          return read.call(this, size);
        };
        dispatch(req, res);
      });
    },
    admit(req, res) {
      if ((req.socket as GuardedSocket)[REFUSED]) return false;
      const verdict = inspectHead(req, rules, trustedPeer, req.httpVersionMajor === 2 && isHttp2(req));
      if (verdict === undefined) return true;
      if (verdict.refuse) {
        refuse(req, res, verdict.refuse);
        return false;
      }
      if (verdict.chunked) checkTrailers(req, res);
      if (verdict.strip) stripFields(req, verdict.strip);
      if (verdict.close) res.shouldKeepAlive = false;
      return true;
    },
  };
}

/** A request that came on an HTTP/2 stream (`Http2ServerRequest`), not an HTTP/1 request line saying 2.0. */
const isHttp2 = (req: IncomingMessage): boolean => (req as { stream?: unknown }).stream !== undefined;

/** Remove fields (by their name's index in `rawHeaders`) from both of Node's views of the head. */
function stripFields(req: IncomingMessage, indexes: readonly number[]): void {
  const raw = req.rawHeaders;
  for (let k = indexes.length - 1; k >= 0; k -= 1) {
    const i = indexes[k] as number;
    delete req.headers[(raw[i] as string).toLowerCase()];
    raw.splice(i, 2);
  }
}
