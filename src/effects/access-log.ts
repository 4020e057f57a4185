/**
 * The access log: one line per finished request, written by the worker that served it.
 *
 * A request observer (see `request-observer.ts`): when a response closes, the compiled format
 * renders the line and the sinks take it (buffered: the write happens after the response, off its
 * path). The response size is the `Content-Length` the response was sent with; a response without
 * one (chunked, or cut short) is measured on the socket: bytes written since the previous response
 * on that connection ended, less the header block, so it includes the chunk framing. Only those
 * ask the socket; the others cost a header lookup.
 *
 * @example
 * const observer = accessLogObserver({ format, sinks: [openStdSink(1, { sync: false })], json: false });
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import * as E from 'fp-ts/Either';
import { compileAccessFormat, type AccessEntry, type AccessFormat } from '../streams/access-log-format';
import { loggedRequest, pinPeer } from './h2-peer';
import type { LogSink } from './log-sink';
import type { RequestObserver } from './request-observer';

export interface AccessLogOptions {
  readonly format: AccessFormat;
  readonly sinks: readonly LogSink[];
  /** One JSON object per line (`--log-format json`): the rendered line as `msg`, and the request's fields. */
  readonly json: boolean;
  readonly pid?: number;
  /** Hands a finished request to a user's logger (`--logger-class`) instead of the sinks. */
  readonly deliver?: (entry: AccessEntry, line: string) => void;
}

/**
 * How many bytes a connection had sent when its last logged response ended. A response with a
 * `Content-Length` moves it on by its header block and its length, with no call into the socket;
 * one without (chunked, or cut short) is measured against it with `socket.bytesWritten`.
 */
const SENT_BEFORE = Symbol('runicorn.sentBefore');
type Counted = Socket & { [SENT_BEFORE]?: number };

const env = (name: string) => process.env[name];

/** The body bytes of a finished response (see the file header). */
export function bodyBytes(req: IncomingMessage, res: ServerResponse): number | undefined {
  const socket = req.socket as Counted | null;
  const header = (res as ServerResponse & { _header?: string | null })._header;
  // Node writes the header block as latin1: one byte per character.
  const headerBytes = typeof header === 'string' ? header.length : 0;
  const noBody = !res.headersSent || req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
  const length = noBody ? 0 : res.getHeader('content-length');
  if (length !== undefined && (noBody || res.writableFinished)) {
    const bytes = Number(length);
    if (socket) socket[SENT_BEFORE] = (socket[SENT_BEFORE] ?? 0) + headerBytes + bytes;
    return bytes;
  }
  const written = socket?.bytesWritten;
  if (!socket || written === undefined) return undefined;
  const before = socket[SENT_BEFORE] ?? 0;
  socket[SENT_BEFORE] = written;
  return Math.max(0, written - before - headerBytes);
}

let clockSecond = -1;
let clock = new Date(0);

/** `epochMs` as a `Date`, made at most once a second unless `fresh` (the text log shows whole seconds). */
function dateAt(epochMs: number, fresh: boolean): Date {
  if (fresh) return new Date(epochMs);
  const second = Math.floor(epochMs / 1000);
  if (second !== clockSecond) {
    clockSecond = second;
    clock = new Date(epochMs);
  }
  return clock;
}

/** The request fields of a JSON access line (the shape log shippers index). */
function jsonLine(entry: AccessEntry, line: string): string {
  const { req } = entry;
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return `${JSON.stringify({
    time: entry.date.toISOString(),
    level: 'info',
    pid: entry.pid,
    msg: line,
    remote_addr: req.socket?.remoteAddress,
    method: req.method,
    url,
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q + 1),
    protocol: `HTTP/${req.httpVersion}`,
    status: entry.res.statusCode,
    bytes: entry.bytes,
    duration_ms: Math.round(entry.durationUs) / 1000,
    referer: req.headers.referer,
    user_agent: req.headers['user-agent'],
  })}\n`;
}

/** A finished request waiting to be written: what must be read when it finishes. */
interface Finished {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly bytes: number | undefined;
  readonly startedAt: number;
  readonly endedAt: number;
}

/** The access format of `options`, compiled (it was checked when the settings were decoded). */
export const compiled = (options: {
  readonly accessLogFormat: string;
  readonly secureSchemeHeaders?: Readonly<Record<string, string>> | undefined;
}) => {
  const format = compileAccessFormat(options.accessLogFormat, options.secureSchemeHeaders);
  // Decoded at boot with the same compiler, so a Left cannot reach here.
  if (E.isLeft(format)) throw new Error(`bad access log format: ${format.left}`);
  return format.right;
};

export function accessLogObserver(options: AccessLogOptions): RequestObserver {
  const { format, sinks, json, deliver } = options;
  const pid = options.pid ?? process.pid;
  const measure = format.needsBytes || json || deliver !== undefined;
  const fresh = json || deliver !== undefined;
  // Lines are made after the responses of this turn of the event loop have been written, all
  // together: the request's path only notes the time and the size.
  let finished: Finished[] = [];
  let scheduled = false;
  const writeAll = () => {
    scheduled = false;
    const batch = finished;
    finished = [];
    for (const f of batch) {
      const entry: AccessEntry = {
        req: f.req,
        res: f.res,
        bytes: f.bytes,
        durationUs: (f.endedAt - f.startedAt) * 1000,
        date: dateAt(performance.timeOrigin + f.endedAt, fresh),
        pid,
        env,
      };
      const line = format.render(entry);
      if (deliver) {
        deliver(entry, line);
        continue;
      }
      const record = { level: 'info' as const, message: line, line: json ? jsonLine(entry, line) : `${line}\n` };
      for (const sink of sinks) sink.write(record);
    }
  };
  return {
    // An HTTP/2 request's peer is pinned as it arrives (its socket is gone once it is logged); only
    // with an access log on, since a property added to every request costs about 10 % of an h2 request.
    begin(req) {
      if (req.httpVersionMajor === 2) pinPeer(req);
    },
    done(req, res, startedAt) {
      if (!scheduled) {
        scheduled = true;
        setImmediate(writeAll);
      }
      // Read now, while the connection is open (Node keeps it once read): the line is made later.
      void req.socket?.remoteAddress;
      finished.push({
        // An HTTP/2 request's socket is gone by now: what it said was pinned as it arrived.
        req: req.httpVersionMajor === 2 ? loggedRequest(req) : req,
        res,
        bytes: measure ? bodyBytes(req, res) : undefined,
        startedAt,
        endedAt: performance.now(),
      });
    },
    flush: writeAll,
  };
}
