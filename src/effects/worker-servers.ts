/**
 * A worker's HTTP servers on the listening fds it inherited: listen, pause and resume accepting,
 * stop accepting and drain, close connections.
 *
 * Draining loses no request. The worker stops accepting at once, lets in-flight requests finish,
 * answers every further request on an open keep-alive connection with `Connection: close`, and
 * never closes a connection a client may be writing to this instant: an idle keep-alive
 * connection is left to Node's keep-alive timeout (it closes once idle past it), and only the
 * drain deadline closes the rest. That is why the listening socket is closed with
 * `net.Server.prototype.close` and not `http.Server#close()`, which first closes every idle
 * keep-alive connection at once: a client sending its next request on one at that moment gets a
 * reset (measured: hundreds of read errors under `wrk -c32` with `--max-requests`). Whether the
 * worker is draining is read from the servers themselves (`listening`), never a second flag.
 *
 * Why pausing works: Node has no "stop accepting" call short of `close()`, but a listening
 * handle is a libuv stream whose read watcher is the accept watcher, so `readStop()` (after a
 * `readStart()`, which only marks it as reading) takes the socket out of this process's epoll set
 * and `readStart()` puts it back. Connections wait in the kernel queue meanwhile, and the other
 * workers sharing the socket accept them. Nothing is accepted and then dropped (unlike
 * `maxConnections`).
 *
 * HTTP/2 sessions (over TLS, or h2c handed over by `h2c`) are tracked per connection: draining
 * sends each a GOAWAY (`session.close()`), so streams in flight finish and no new one starts,
 * and the deadline destroys what is left. A session with no stream open for the keep-alive time
 * gets its GOAWAY too (`idleSessionCloser`), as an idle HTTP/1.1 keep-alive connection is closed.
 *
 * TLS connections still in their handshake are no HTTP server's yet: they are kept apart
 * (`tlsHandshakes`), a drain closes those that have not finished it a moment later, and the
 * handshake itself gets the header timeout (`handshakeTimeout`), not tls's 120 s.
 *
 * An app may bring its own server (WebSockets: `adopt`). It listens on the first fd, with the
 * HTTP layer's options and listeners put on it; a further fd gets a server that hands each
 * connection to it. Upgraded connections are no longer http's, so its drain cannot see them:
 * the app is told (`runicorn:drain`) and the deadline destroys what it left open. The servers
 * are made at first use, after the app has loaded, for that reason.
 *
 * Why one file of over 300 lines: listening, the drain and the deadline all act on the same
 * per-worker state (the servers made or adopted, their open connections, HTTP/2 sessions and TLS
 * handshakes), and each kind of connection's own rules already live in their modules
 * (`adopted-server`, `h2-idle`, `h2-peer`, `proxy-protocol`, `tls-handshakes`).
 *
 * @example
 * const servers = workerServers([3], { keepAliveMs: 2000, backlog: 2048 });
 * servers.onRequest((req, res) => app(req, res));
 * await servers.listen();
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Http2Server, Http2Session } from 'node:http2';
import net, { type Socket } from 'node:net';
import tls from 'node:tls';
import { applyServerOptions, forwarder, tlsFront, trackConnections } from './adopted-server';
import type { HttpGuard } from './http-guard';
import { idleSessionCloser } from './h2-idle';
import { pinSessionPeer } from './h2-peer';
import { acceptProxyProtocol, type ProxyProtocolOptions } from './proxy-protocol';
import { tlsHandshakes } from './tls-handshakes';

export interface WorkerServersOptions {
  /** Idle keep-alive time; 0 closes the connection after every response. */
  readonly keepAliveMs: number;
  readonly backlog: number;
  /** The HTTP layer's rules, applied to every request before the handler sees it. */
  readonly guard?: HttpGuard;
  /**
   * Makes each listener's server (one per fd) from the HTTP layer's options (with
   * `handshakeTimeout`, the header timeout, for a TLS server); `http.createServer` by default.
   */
  readonly createServer?: (options: ServerOptions) => http.Server;
  /** Read a PROXY protocol header before HTTP on each connection (`--proxy-protocol`); absent = off. */
  readonly proxyProtocol?: ProxyProtocolOptions;
  /** `--graceful-timeout`: the drain deadline an adopted server's `runicorn:drain` listeners are told. */
  readonly drainTimeoutMs?: number;
  /**
   * Cleartext HTTP/2 with prior knowledge (`acceptH2c`): installed on each made server before the
   * PROXY protocol; returns the HTTP/2 server its h2 connections are handed to. Absent = off.
   */
  readonly h2c?: (server: http.Server) => Http2Server;
  /** A `runicorn:drain` listener threw (the drain goes on). */
  readonly onDrainError?: (error: unknown) => void;
}

/**
 * The event emitted on the app's own server when the worker starts to drain (TERM, HUP,
 * max-requests): its listeners close their upgraded connections (WebSocket code 1001) before
 * `deadline`, when whatever is still open is destroyed.
 *
 * @example
 * server.on('runicorn:drain', ({ deadline }) => { for (const ws of wss.clients) ws.close(1001, 'server restarting'); });
 */
export const DRAIN_EVENT = 'runicorn:drain';

/**
 * What a `runicorn:drain` listener is told: the deadline (ms since the epoch, as `Date.now()`)
 * and the `--graceful-timeout` it comes from.
 *
 * @example
 * const onDrain = (notice: DrainNotice) => setTimeout(closeStragglers, notice.timeoutMs / 2);
 */
export interface DrainNotice {
  readonly deadline: number;
  readonly timeoutMs: number;
}

export interface WorkerServers {
  /** The HTTP servers, one per fd (a user's worker class sets them up before they listen). */
  readonly servers: readonly http.Server[];
  /**
   * Serve with the app's own server (not listening; its `request` listeners already taken over)
   * instead of making one: it takes the first fd, and each further fd gets a server that hands
   * its connections to it. Only before the servers are first used.
   */
  adopt(server: http.Server): void;
  /** Listen on every fd; rejects with the first failure. */
  listen(): Promise<void>;
  /** Handle every request of every server with `handler`. */
  onRequest(handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  /** Take the listening sockets out of this process's accept loop (connections wait in the kernel). */
  pauseAccepting(): void;
  resumeAccepting(): void;
  /**
   * Stop accepting and let the open connections end by themselves (each further response says
   * `Connection: close`; idle ones close at the keep-alive timeout); resolves once none is left.
   */
  stopAccepting(): Promise<void>;
  /** The drain deadline: close every connection now, upgraded ones included. */
  closeAllConnections(): void;
}

/** The options each listener's server is made with: the HTTP layer's, and the TLS handshake's time limit. */
export type ServerOptions = http.ServerOptions & { readonly handshakeTimeout?: number };

/** The libuv stream methods of a listening handle (TCP or Pipe wrap). */
interface ListenHandle {
  readStart?(): number;
  readStop?(): number;
}
const handleOf = (server: http.Server) => (server as unknown as { _handle?: ListenHandle | null })._handle;

export function workerServers(fds: readonly number[], options: WorkerServersOptions): WorkerServers {
  const guard = options.guard;
  const create = options.createServer ?? ((serverOptions: ServerOptions) => http.createServer(serverOptions));
  // The header timeout (what a client has to send its request head) bounds the TLS handshake
  // before it too, and is an idle HTTP/2 session's limit when keep-alive is off.
  const headersTimeout = guard?.serverOptions.headersTimeout ?? 0;
  const serverOptions: ServerOptions = {
    ...guard?.serverOptions,
    ...(headersTimeout > 0 ? { handshakeTimeout: headersTimeout } : {}),
  };
  const handshakes = tlsHandshakes();
  let dispatch: ((server: http.Server, req: IncomingMessage, res: ServerResponse) => void) | undefined;
  // Connections, not requests, are tracked (a cost per connection, not per keep-alive request);
  // a draining worker reaches the response in flight on each through `_httpMessage`.
  const sockets = new Set<Socket>();
  // The app's own server (`adopt`), which takes the first fd; made servers otherwise.
  let adopted: http.Server | undefined;
  let made: readonly http.Server[] | undefined;
  let served: readonly http.Server[] = [];
  // HTTP/2 servers fed by each served server's h2c sniffing (same index), and the open sessions.
  let companions: readonly Http2Server[] = [];
  const sessions = new Set<Http2Session>();
  // HTTP/2 has no one-request connections: with keep-alive off, the header timeout is the limit.
  const closeWhenIdle = idleSessionCloser(options.keepAliveMs > 0 ? options.keepAliveMs : headersTimeout);
  const track = (session: Http2Session) => {
    pinSessionPeer(session);
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    closeWhenIdle(session);
  };
  const servedOf = (): readonly http.Server[] => {
    serversOf();
    return served;
  };
  /** Made at first use, so that an app loaded after `workerServers()` can bring its server. */
  const serversOf = (): readonly http.Server[] => {
    if (made !== undefined) return made;
    const app = adopted;
    // With HTTPS, an adopted plain server gets a TLS front on every fd and never listens itself.
    const fronted = app !== undefined && options.createServer !== undefined && !(app instanceof tls.Server);
    const servers = fds.map((_, i) =>
      app === undefined
        ? create(serverOptions)
        : fronted
          ? tlsFront(app, create(serverOptions))
          : i === 0
            ? app
            : forwarder(app),
    );
    made = servers;
    served = app === undefined ? servers : [app];
    // A fronted app's server accepts through its fronts: it is "listening" (not draining) while they are.
    if (fronted && app !== undefined)
      Object.defineProperty(app, 'listening', { configurable: true, get: () => servers.some((s) => s.listening) });
    // h2c first, then the PROXY protocol: the header is read before the preface.
    const { proxyProtocol, h2c } = options;
    if (h2c && app === undefined) companions = served.map((server) => h2c(server));
    for (const [i, companion] of companions.entries()) {
      const server = served[i] as http.Server;
      companion.on('session', track);
      guard?.install(companion as unknown as http.Server, (req, res) => dispatch?.(server, req, res));
    }
    // First, so that only http's own connection listener waits for the header.
    // The PROXY header comes before the TLS handshake: on a TLS front, not on the app's server.
    if (proxyProtocol) for (const server of fronted ? servers : served) acceptProxyProtocol(server, proxyProtocol);
    // After the PROXY protocol: a connection is kept from the moment it is accepted. The TLS
    // servers are the made ones (an adopted https.Server's forwarders hand it their connections).
    for (const server of servers) if (server instanceof tls.Server) handshakes.watch(server);
    for (const server of served) {
      if (options.keepAliveMs > 0) server.keepAliveTimeout = options.keepAliveMs;
      if (app !== undefined && guard !== undefined) applyServerOptions(server, guard.serverOptions);
      if (fronted) trackConnections(server);
      guard?.install(server, (req, res) => dispatch?.(server, req, res));
      // Only an HTTP/2 server emits it.
      server.on('session', track);
      // An https.Server's `connection` is the raw TCP socket; HTTP runs on the TLS socket after the handshake.
      const secure = server instanceof tls.Server;
      server.on(secure ? 'secureConnection' : 'connection', (socket: Socket) => {
        // A TLS socket forgets its peer once closed, before the access log writes its line; read once, Node keeps it.
        if (secure) void socket.remoteAddress;
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
    }
    return servers;
  };
  return {
    get servers() {
      return serversOf();
    },
    adopt(server) {
      if (made !== undefined) throw new Error('workerServers: adopt() after the servers were made');
      adopted = server;
    },
    listen: () =>
      Promise.all(
        serversOf().map(
          (server, i) =>
            new Promise<void>((resolve, reject) => {
              server.once('error', reject);
              // Backlog positionally: listen({fd, backlog}) ignores it and resets the queue to 511.
              server.listen({ fd: fds[i] }, options.backlog, () => {
                server.off('error', reject);
                resolve();
              });
            }),
        ),
      ).then(() => undefined),
    onRequest(handler) {
      const keepAlive = options.keepAliveMs > 0;
      function onRequest(this: http.Server, req: IncomingMessage, res: ServerResponse) {
        if (!keepAlive || !this.listening) res.shouldKeepAlive = false;
        handler(req, res);
      }
      function onGuardedRequest(this: http.Server, req: IncomingMessage, res: ServerResponse) {
        if (!keepAlive || !this.listening) res.shouldKeepAlive = false;
        if ((guard as HttpGuard).admit(req, res)) handler(req, res);
      }
      const listener = guard ? onGuardedRequest : onRequest;
      dispatch = (server, req, res) => listener.call(server, req, res);
      for (const server of servedOf()) server.on('request', listener);
      companions.forEach((companion, i) => {
        const server = served[i] as http.Server;
        companion.on('request', (req: IncomingMessage, res: ServerResponse) => listener.call(server, req, res));
      });
    },
    pauseAccepting() {
      for (const server of serversOf()) {
        const handle = handleOf(server);
        // readStop() is a no-op on a stream not marked as reading; readStart() marks it.
        handle?.readStart?.();
        handle?.readStop?.();
      }
    },
    resumeAccepting() {
      for (const server of serversOf()) handleOf(server)?.readStart?.();
    },
    stopAccepting() {
      for (const socket of sockets) {
        const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
        if (res && !res.headersSent) res.shouldKeepAlive = false;
      }
      const closed = Promise.all(
        serversOf().map(
          (server) =>
            new Promise<void>((resolve) => {
              // net's close, not http's: it leaves idle keep-alive connections to their timeout.
              net.Server.prototype.close.call(server, () => resolve());
            }),
        ),
      ).then(() => undefined);
      // GOAWAY: the streams in flight finish, the client opens no new one here.
      for (const session of sessions) session.close();
      // No request yet on a connection still in its TLS handshake: closed unless it ends soon.
      handshakes.drain();
      // Upgraded connections (WebSockets) are the app's: it is told, and has until the deadline.
      if (adopted !== undefined) {
        const timeoutMs = options.drainTimeoutMs ?? 0;
        const notice: DrainNotice = { deadline: Date.now() + timeoutMs, timeoutMs };
        try {
          adopted.emit(DRAIN_EVENT, notice);
        } catch (error) {
          options.onDrainError?.(error);
        }
      }
      return closed;
    },
    closeAllConnections() {
      for (const server of servedOf()) server.closeAllConnections();
      for (const session of sessions) session.destroy();
      handshakes.closeAll();
      // What http no longer tracks: connections handed to an `upgrade` listener (WebSockets).
      for (const socket of sockets) socket.destroy();
    },
  };
}
