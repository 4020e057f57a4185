/**
 * HTTP/2 sessions closed once idle: a session with no stream open for `idleMs` (`--keep-alive`,
 * the time an HTTP/1.1 keep-alive connection may wait for its next request) is sent a GOAWAY
 * (`session.close()`), and Node closes the connection. A session with a stream open is never
 * closed for being idle, however long its stream takes.
 *
 * How: Node's own session timer (`session.setTimeout`), which Node already restarts on every
 * frame read or written, fires after `idleMs` without activity; one listener, shared by every
 * session, then looks at the session's open streams. None: GOAWAY. Some (a slow answer, or a
 * long download that is only waiting): the timer is set again, and it is asked again after
 * another `idleMs` or once the stream's last frame has gone out, whichever comes last. Node has
 * no public count of a session's open streams; its internal stream map is read (found once per
 * process). Were it ever missing, the session would get its GOAWAY anyway: a GOAWAY lets every
 * open stream finish, so no answer is ever cut, only the session not reused.
 *
 * Kept apart from `http2.ts` so that `worker-servers` does not load `node:http2`.
 *
 * Cost: one timer per session (set once, restarted by Node on activity); nothing per request.
 *
 * @example
 * const closeWhenIdle = idleSessionCloser(2000);
 * server.on('session', closeWhenIdle);
 */

/** What an HTTP/2 session offers here (node:http2's `Http2Session`, not loaded for its type). */
interface IdleSession {
  readonly closed: boolean;
  readonly destroyed: boolean;
  setTimeout(ms: number): void;
  close(): void;
  on(event: 'timeout', listener: (this: IdleSession) => void): unknown;
}

/** Node's internal per-session state key (`Symbol(state)`), found on the first session; null: not there. */
let stateKey: symbol | null | undefined;

/**
 * How many streams a session has open, as far as can be told: 0 when Node's internal stream map
 * cannot be found (a GOAWAY still lets open streams finish).
 *
 * @example
 * if (openStreams(session) === 0) session.close();
 */
export function openStreams(session: object): number {
  const fields = session as Record<symbol, { readonly streams?: { readonly size?: unknown } } | undefined>;
  // Node's internal SafeMap, which is not `instanceof Map`: told by its size.
  if (stateKey === undefined)
    stateKey =
      Object.getOwnPropertySymbols(session).find(
        (s) => s.description === 'state' && typeof fields[s]?.streams?.size === 'number',
      ) ?? null;
  const size = stateKey === null ? undefined : fields[stateKey]?.streams?.size;
  return typeof size === 'number' ? size : 0;
}

/**
 * The `session` listener that closes a session (GOAWAY) once it has had no stream open for
 * `idleMs`; `idleMs` of 0 or less: sessions are left open (returns a listener that does nothing).
 *
 * @example
 * http2Server.on('session', idleSessionCloser(keepAliveMs));
 */
export function idleSessionCloser(idleMs: number): (session: object) => void {
  if (!(idleMs > 0)) return () => undefined;
  function onTimeout(this: IdleSession): void {
    if (this.closed || this.destroyed) return;
    // A stream still open: not idle. Asked again after another idleMs (or its next frame).
    if (openStreams(this) > 0) this.setTimeout(idleMs);
    else this.close();
  }
  return (session) => {
    const s = session as IdleSession;
    s.on('timeout', onTimeout);
    s.setTimeout(idleMs);
  };
}
