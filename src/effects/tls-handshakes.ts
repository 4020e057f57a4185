/**
 * TLS connections still in their handshake, seen by a draining worker: until its handshake is
 * done, a connection to a TLS server is a raw TCP socket that no HTTP server tracks, so neither
 * `closeAllConnections()` nor a drain's "every further response says `Connection: close`"
 * reaches it, and the listening socket's close waits for it (for tls's handshake timeout, or the
 * drain deadline). A client that connects and sends nothing (or half a ClientHello) would hold a
 * worker's exit that long.
 *
 * So each server's raw connections are kept here from `connection` until `secureConnection`
 * (or their close). When the worker drains, a connection still in its handshake `graceMs`
 * later is closed: a real client's handshake takes a round trip or two, and it has not sent a
 * request yet, so none is lost. The drain deadline closes whatever is left at once. (The
 * handshake itself is bounded by `--header-timeout`: the server's `handshakeTimeout`.)
 *
 * A failed handshake (timed out, reset, refused client certificate) is closed at once: https
 * passes it on as a `clientError`, whose HTTP answer could never reach a client that has no TLS
 * session, and would only hold the socket and log an "Invalid request" that never came.
 *
 * Cost: one Set add and delete, and one shared `close` listener, per TLS connection; nothing
 * per request (a keep-alive connection's later requests pay nothing).
 *
 * @example
 * const handshakes = tlsHandshakes();
 * handshakes.watch(httpsServer);
 * // drain: handshakes.drain(); deadline: handshakes.closeAll();
 */
import type { Socket } from 'node:net';
import type tls from 'node:tls';

/** How long a connection still in its handshake when the worker starts to drain may take to finish it. */
export const HANDSHAKE_GRACE_MS = 1000;

export interface TlsHandshakes {
  /** Keep `server`'s connections while they are in their TLS handshake. */
  watch(server: tls.Server): void;
  /** The worker drains: close the connections still in their handshake `graceMs` from now. */
  drain(): void;
  /** The drain deadline: close every connection still in its handshake now. */
  closeAll(): void;
  /** How many connections are in their handshake now. */
  readonly size: number;
}

/**
 * The TLS connections of a worker's servers that are still in their handshake.
 *
 * @example
 * const handshakes = tlsHandshakes(HANDSHAKE_GRACE_MS);
 * for (const server of servers) if (server instanceof tls.Server) handshakes.watch(server);
 */
export function tlsHandshakes(graceMs: number = HANDSHAKE_GRACE_MS): TlsHandshakes {
  const pending = new Set<Socket>();
  // Shared listeners (no closure per connection): `this` is the socket.
  function forget(this: Socket): void {
    pending.delete(this);
  }
  function onConnection(socket: Socket): void {
    pending.add(socket);
    socket.on('close', forget);
  }
  function onSecureConnection(socket: tls.TLSSocket): void {
    // The TLS socket wraps the raw one it was made from.
    const raw = (socket as tls.TLSSocket & { _parent?: Socket | null })._parent;
    if (raw) pending.delete(raw);
  }
  function onTlsClientError(_error: Error, socket: tls.TLSSocket): void {
    socket.destroy();
  }
  const closeAll = (): void => {
    for (const socket of pending) socket.destroy();
    pending.clear();
  };
  return {
    watch(server) {
      server.on('connection', onConnection);
      server.on('secureConnection', onSecureConnection);
      // Before https's own listener, which makes it a `clientError`.
      server.prependListener('tlsClientError', onTlsClientError);
    },
    drain() {
      if (pending.size === 0) return;
      setTimeout(closeAll, graceMs).unref();
    },
    closeAll,
    get size() {
      return pending.size;
    },
  };
}
