/**
 * An HTTP/2 request's peer, kept for the access log: Node's `Http2ServerRequest.socket` is a
 * proxy to the session's socket that answers `undefined` once the stream has closed, which is
 * when the access log writes its line. Kept apart from `http2.ts` so that the access log does
 * not load `node:http2`.
 *
 * Cost: one small object per HTTP/2 session, one property per HTTP/2 request.
 *
 * @example
 * if (req.httpVersionMajor === 2) pinPeer(req);
 */
import type http from 'node:http';
import type { Socket } from 'node:net';

/** Where an HTTP/2 request keeps what its connection said while it was open (see `pinPeer`). */
const PEER = Symbol('runicorn.h2Peer');

/** The connection facts the access log reads off `req.socket`. */
interface PeerFacts {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly encrypted: boolean;
}

/** An HTTP/2 session, as far as pinning its peer goes. */
interface PeerSession {
  readonly socket: (Socket & { encrypted?: boolean }) | null | undefined;
  [PEER]?: PeerFacts;
}

/**
 * Read an HTTP/2 session's peer (address, port, TLS) once, as it starts: its requests point to
 * it (`pinPeer`).
 *
 * @example
 * server.on('session', pinSessionPeer);
 */
export function pinSessionPeer(session: object): void {
  const s = session as PeerSession;
  const socket = s.socket;
  s[PEER] = {
    remoteAddress: socket?.remoteAddress,
    remotePort: socket?.remotePort,
    encrypted: socket?.encrypted === true,
  };
}

/**
 * Keep an HTTP/2 request's peer on it as it arrives: Node's `Http2ServerRequest.socket` is a
 * proxy to the session's socket that answers `undefined` once the stream has closed, which is
 * when the access log writes its line. Two property reads; `req.socket` (a proxy made on first
 * use) is not touched.
 *
 * @example
 * server.on('request', (req, res) => { if (req.httpVersionMajor === 2) pinPeer(req); app(req, res); });
 */
export function pinPeer(req: http.IncomingMessage): void {
  const session = (req as { stream?: { session?: PeerSession | null } }).stream?.session;
  const facts = session?.[PEER];
  if (facts !== undefined) (req as http.IncomingMessage & { [PEER]?: PeerFacts })[PEER] = facts;
}

/**
 * The request as the access log should see it: an HTTP/2 request with its pinned peer as
 * `socket`, any other request as it is.
 *
 * @example
 * finished.push({ req: loggedRequest(req), res });
 */
export function loggedRequest(req: http.IncomingMessage): http.IncomingMessage {
  const facts = (req as http.IncomingMessage & { [PEER]?: PeerFacts })[PEER];
  return facts === undefined ? req : (Object.create(req, { socket: { value: facts } }) as http.IncomingMessage);
}
