/**
 * One request and its response, as they travel through a worker's stages.
 *
 * The shapes are structural so the pure layer does not import `node:http`; at run time they are
 * the real `IncomingMessage` and `ServerResponse`, which is what the app receives.
 *
 * @example
 * const seen = (ex: Exchange) => ex.req.method === 'GET';
 */

/** The connection under a request: `destroyed` once the client has gone. */
export interface SocketLike {
  readonly destroyed: boolean;
}

/**
 * The parts of `IncomingMessage` the pipeline reads.
 *
 * `socket` and `on` are optional so a fake request (tests, `inject()`) may leave them out; such a
 * request's client never goes away.
 */
export interface RequestLike {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly socket?: SocketLike | null | undefined;
  on?(event: 'close', listener: (this: RequestLike) => void): unknown;
}

/**
 * The parts of `ServerResponse` the pipeline uses.
 *
 * `socket` is `null` while the response waits behind an earlier one on the same connection
 * (HTTP pipelining): Node emits its `close` only once it has the socket.
 */
export interface ResponseLike {
  statusCode: number;
  readonly socket?: SocketLike | null | undefined;
  shouldKeepAlive: boolean;
  readonly headersSent: boolean;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  end(chunk?: string): unknown;
  destroy(error?: Error): unknown;
  on(event: 'close', listener: (this: ResponseLike) => void): unknown;
}

export interface Exchange<Req extends RequestLike = RequestLike, Res extends ResponseLike = ResponseLike> {
  readonly req: Req;
  readonly res: Res;
}

/**
 * Answer `ex` with a short plain-text response, closing the connection.
 *
 * Stages that reject a request (400, 429, …) use this and then drop the exchange.
 *
 * @example
 * if (!ex.req.headers.host) { respond(ex, 400, 'Bad Request\n'); return undefined; }
 */
export function respond(ex: Exchange, status: number, body: string): void {
  if (ex.res.headersSent) {
    ex.res.destroy();
    return;
  }
  ex.res.statusCode = status;
  ex.res.shouldKeepAlive = false;
  ex.res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  ex.res.setHeader('Content-Length', utf8Length(body));
  ex.res.end(body);
}

/**
 * Whether the client of `ex` has gone (its connection is destroyed).
 *
 * The socket tells, not `req.destroyed` or the request's `close`: both also happen to a live
 * request once its body has been read.
 *
 * @example
 * if (clientGone(ex)) return; // nobody to answer
 */
export function clientGone(ex: Exchange): boolean {
  return ex.req.socket?.destroyed === true || ex.res.socket?.destroyed === true;
}

const encoder = new TextEncoder();
const utf8Length = (text: string): number => encoder.encode(text).length;
