/**
 * HTTP/2 sessions closed once idle: a session with no stream open for `idleMs` (`--keep-alive`,
 * the time an HTTP/1.1 keep-alive connection may wait for its next request) is sent a GOAWAY
 * (`session.close()`), and Node closes the connection. A session with a stream open is never
 * closed for being idle, however long its stream takes.
 *
 * How: one timer per worker sweeps the sessions four times per idle time. A session whose
 * newest stream (`state.lastProcStreamID`) is the one seen at the last sweep and that has no
 * stream open has been idle since; once it has been for a whole idle time, it gets its GOAWAY
 * (so between 1 and 1.5 idle times after its last stream ended). A stream open (a slow answer,
 * or a long download that is only waiting) keeps it. Node has no public count of a session's
 * open streams; its internal stream map is read (found once per process). Were it ever missing,
 * the session would get its GOAWAY anyway: a GOAWAY lets every open stream finish, so no answer
 * is ever cut, only the session not reused.
 *
 * Why not Node's own session timer (`session.setTimeout`): Node restarts it on every frame read
 * or written, a timer-list update several times per request; measured, that is about 5 % more
 * worker CPU per h2 request (1.5 µs of 30). The sweep costs nothing per request.
 *
 * Kept apart from `http2.ts` so that `worker-servers` does not load `node:http2`.
 *
 * Cost: one timer per worker while it has sessions, and one map entry per session; nothing per
 * request.
 *
 * @example
 * const closeWhenIdle = idleSessionCloser(2000);
 * server.on('session', closeWhenIdle);
 */

/** What an HTTP/2 session offers here (node:http2's `Http2Session`, not loaded for its type). */
interface IdleSession {
  readonly closed: boolean;
  readonly destroyed: boolean;
  /** Node's session state; `lastProcStreamID` is the newest stream the peer opened. */
  readonly state: { readonly lastProcStreamID?: number };
  close(): void;
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

/** Sweeps per idle time: a session is closed between 1 and 1.5 idle times after its last stream. */
const SWEEPS_PER_IDLE = 4;

/** What the sweep remembers of a session: the last stream it had seen, and at which sweep. */
interface Seen {
  lastStream: number;
  activeAt: number;
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
  const every = Math.max(1, Math.round(idleMs / SWEEPS_PER_IDLE));
  // A stream open at sweep k may end just before sweep k + 1: one more sweep makes the idle time whole.
  const quietSweeps = SWEEPS_PER_IDLE + 1;
  const sessions = new Map<IdleSession, Seen>();
  let sweeps = 0;
  let timer: NodeJS.Timeout | undefined;
  const sweep = () => {
    sweeps += 1;
    for (const [session, seen] of sessions) {
      if (session.closed || session.destroyed) {
        sessions.delete(session);
        continue;
      }
      const lastStream = session.state.lastProcStreamID ?? 0;
      if (lastStream !== seen.lastStream || openStreams(session) > 0) {
        seen.lastStream = lastStream;
        seen.activeAt = sweeps;
      } else if (sweeps - seen.activeAt >= quietSweeps) {
        sessions.delete(session);
        session.close();
      }
    }
    if (sessions.size === 0) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  return (session) => {
    const s = session as IdleSession;
    sessions.set(s, { lastStream: 0, activeAt: sweeps });
    if (timer === undefined) {
      timer = setInterval(sweep, every);
      timer.unref();
    }
  };
}
