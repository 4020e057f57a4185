/**
 * The pieces that let a worker serve a server the app made (`adopt`): a forwarding server for
 * each further fd, and the HTTP layer's options set on the app's server after it was made.
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

/** The HTTP layer's options, on a server made by the app: the ones Node reads from the server at connection or listen time. */
export function applyServerOptions(server: http.Server, options: http.ServerOptions): void {
  const target = server as unknown as Record<string, unknown>;
  for (const key of HTTP_OPTIONS) if (options[key] !== undefined) target[key] = options[key];
}
