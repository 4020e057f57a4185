/**
 * Fake exchanges for the request pipeline's unit tests: a request, a response and the connection
 * under them, behaving as Node's do in the cases the pipeline cares about.
 *
 * What Node does, checked with real sockets (node 20): when a client disconnects, the socket is
 * destroyed, a response that has the socket emits `close`, and the request emits `close`. A
 * pipelined response (waiting behind an earlier one on the same connection) has `socket === null`
 * and never emits `close` then. A `close` is emitted once: a listener added later never runs.
 *
 * @example
 * const ex = exchange('/a');
 * disconnect(ex); // ex.res 'close', then ex.req 'close'
 */
import type { Exchange, RequestLike, ResponseLike } from '../../src/streams/pipeline/exchange';

export class FakeSocket {
  destroyed = false;
}

class Once<T> {
  private listeners: Array<(this: T) => void> = [];
  fired = false;
  add(listener: (this: T) => void) {
    if (!this.fired) this.listeners.push(listener);
  }
  fire(self: T) {
    if (this.fired) return;
    this.fired = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l.call(self);
  }
  get count() {
    return this.listeners.length;
  }
}

export class FakeRequest implements RequestLike {
  readonly headers: Record<string, string>;
  readonly method = 'GET';
  readonly closeListeners = new Once<RequestLike>();
  constructor(
    readonly url: string,
    readonly socket: FakeSocket,
    headers: Record<string, string> = {},
  ) {
    this.headers = headers;
  }
  on(_event: 'close', listener: (this: RequestLike) => void) {
    this.closeListeners.add(listener);
  }
  close() {
    this.closeListeners.fire(this);
  }
}

export class FakeResponse implements ResponseLike {
  statusCode = 200;
  shouldKeepAlive = true;
  headersSent = false;
  destroyed = false;
  body: string | undefined;
  headers: Record<string, unknown> = {};
  readonly closeListeners = new Once<ResponseLike>();
  constructor(public socket: FakeSocket | null) {}
  setHeader(name: string, value: unknown) {
    this.headers[name.toLowerCase()] = value;
  }
  end(chunk?: string) {
    this.headersSent = true;
    this.body = chunk;
    this.close();
  }
  destroy() {
    this.destroyed = true;
    this.close();
  }
  on(_event: 'close', listener: (this: ResponseLike) => void) {
    this.closeListeners.add(listener);
  }
  close() {
    this.closeListeners.fire(this);
  }
}

export type FakeExchange = Exchange<FakeRequest, FakeResponse>;

/** A request on its own connection; `pipelined`: its response waits behind an earlier one. */
export function exchange(
  url: string,
  options: { pipelined?: boolean; headers?: Record<string, string> } = {},
): FakeExchange {
  const socket = new FakeSocket();
  return {
    req: new FakeRequest(url, socket, options.headers),
    res: new FakeResponse(options.pipelined ? null : socket),
  };
}

/** The client goes away, as Node reports it: socket destroyed, the response's `close` (if it has the socket), the request's `close`. */
export function disconnect(ex: FakeExchange): void {
  ex.req.socket.destroyed = true;
  if (ex.res.socket !== null) ex.res.close();
  ex.req.close();
}
