/**
 * The access log: one line per finished request, written by the worker that served it.
 *
 * A request observer (see `request-observer.ts`): when a response closes, the compiled format
 * renders the line and the sinks take it (buffered: the write happens after the response, off its
 * path). The response size is the `Content-Length` the response was sent with; a response without
 * one (chunked, or cut short) is measured on the socket: bytes written during the request less the
 * header block, so it includes the chunk framing.
 *
 * @example
 * const observer = accessLogObserver({ format, sinks: [openStdSink(1, { sync: false })], json: false });
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessEntry, AccessFormat } from '../streams/access-log-format';
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

/** Where the socket's byte count at the request's arrival is kept (for responses without a length). */
const SENT_BEFORE = Symbol('runicorn.sentBefore');
type Counted = IncomingMessage & { [SENT_BEFORE]?: number };

const env = (name: string) => process.env[name];

/** The body bytes of a finished response (see the file header). */
export function bodyBytes(req: IncomingMessage, res: ServerResponse): number | undefined {
  if (!res.headersSent || req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304) return 0;
  const length = res.getHeader('content-length');
  if (length !== undefined && res.writableFinished) return Number(length);
  const before = (req as Counted)[SENT_BEFORE];
  const socket = req.socket;
  if (before === undefined || !socket) return undefined;
  const header = (res as ServerResponse & { _header?: string | null })._header;
  return Math.max(0, socket.bytesWritten - before - (header ? Buffer.byteLength(header) : 0));
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

export function accessLogObserver(options: AccessLogOptions): RequestObserver {
  const { format, sinks, json, deliver } = options;
  const pid = options.pid ?? process.pid;
  return {
    ...(format.needsBytes
      ? {
          begin(req: IncomingMessage) {
            (req as Counted)[SENT_BEFORE] = req.socket?.bytesWritten;
          },
        }
      : {}),
    done(req, res, startedAt) {
      const entry: AccessEntry = {
        req,
        res,
        bytes: format.needsBytes || json || deliver ? bodyBytes(req, res) : undefined,
        durationUs: (performance.now() - startedAt) * 1000,
        date: new Date(),
        pid,
        env,
      };
      const line = format.render(entry);
      if (deliver) return deliver(entry, line);
      const record = { level: 'info' as const, message: line, line: json ? jsonLine(entry, line) : `${line}\n` };
      for (const sink of sinks) sink.write(record);
    },
  };
}
