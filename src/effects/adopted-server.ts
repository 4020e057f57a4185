/**
 * The pieces that let a worker serve a server the app made (`adopt`): a forwarding server for
 * each further fd, a TLS front for each fd when runicorn serves HTTPS, and the HTTP layer's
 * options set on the app's server after it was made.
 *
 * @example
 * const servers = fds.map((_, i) => (i === 0 ? app : forwarder(app)));
 * applyServerOptions(app, guard.serverOptions);
 */
import http from 'node:http';
import type { Socket } from 'node:net';

/**
 * A server for a further fd of an adopted server: it accepts, and hands each connection to the
 * app's server, as Node lets any code do with `emit('connection')` (one Node server listens on
 * one handle only). It parses nothing itself: http's connection listener is taken off.
 */
export function forwarder(app: http.Server): http.Server {
  const server = http.createServer();
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => app.emit('connection', socket));
  return server;
}

const HTTP_OPTIONS = [
  'maxHeaderSize',
  'headersTimeout',
  'requestTimeout',
  'connectionsCheckingInterval',
  'requireHostHeader',
] as const;

/** The HTTP layer's options set on a server whose constructor did not take them (the app's, an HTTP/2 one): the ones Node reads from the server at connection or listen time. */
export function applyServerOptions(server: http.Server, options: http.ServerOptions): void {
  const target = server as unknown as Record<string, unknown>;
  for (const key of HTTP_OPTIONS) if (options[key] !== undefined) target[key] = options[key];
}

/**
 * A TLS front for an fd of an adopted plain server (`--keyfile`/`--certfile`): runicorn's HTTPS
 * server does the handshake with its settings (and its `--cert-reqs` checks, which stay), and
 * each secure socket goes to the app's server, which speaks HTTP on it as an https.Server would.
 * Only http's own listener is taken off the front.
 */
export function tlsFront(app: http.Server, front: http.Server): http.Server {
  for (const listener of front.listeners('secureConnection'))
    if (listener.name === 'connectionListener') front.off('secureConnection', listener as (socket: Socket) => void);
  front.on('secureConnection', (socket: Socket) => {
    // A TLS socket forgets its peer once closed; read once, Node keeps it (the access log needs it).
    void socket.remoteAddress;
    app.emit('connection', socket);
  });
  return front;
}

/**
 * Start Node's connection tracking on a server that never listens itself (a TLS-fronted one):
 * the header and request timeouts and `closeAllConnections()` rely on it, and Node sets it up on
 * `listening`. Only Node's own `listening` listener is run, not the app's.
 */
export function trackConnections(server: http.Server): void {
  for (const listener of server.listeners('listening'))
    if (listener.name === 'setupConnectionsTracking') (listener as () => void).call(server);
}
