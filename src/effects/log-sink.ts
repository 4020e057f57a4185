/**
 * Where log lines go: a file, stdout or stderr (this file), syslog (`syslog.ts`), or a user's
 * logger. Every log (the error log, the access log) writes to a list of sinks.
 *
 * Why sonic-boom: writes are buffered and leave the request's path (`fs.write` on the thread
 * pool), yet each `write(2)` carries whole lines only: sonic-boom starts a new chunk when the next
 * line would take the current one past `maxWrite`. On stdout and stderr, which may be pipes,
 * `maxWrite` is PIPE_BUF (4096 bytes), so a line from one worker is never cut by a line from
 * another (a single longer line is written alone and may then interleave); on a file opened with
 * `O_APPEND` no append is cut by another, so writes there go up to 64 KiB.
 *
 * @example
 * const sink = openFileSink('/var/log/runicorn/access.log', { sync: false });
 * sink.write({ level: 'info', message: 'GET /', line: '127.0.0.1 - - [...] "GET / HTTP/1.1" 200 2 "-" "curl"\n' });
 * sink.reopen(); // after logrotate renamed the file
 */
import { closeSync, openSync } from 'node:fs';
import SonicBoom from 'sonic-boom';
import type { LogLevel } from '../streams/commands';
import { runicornError } from '../streams/errors';
import { errorLine } from './error-text';

/** One log record as every sink may want it: the level, the bare message, the formatted line. */
export interface LogRecord {
  readonly level: LogLevel;
  /** The message alone (what syslog sends after its own header). */
  readonly message: string;
  /** The whole line as a file shows it, with its newline. */
  readonly line: string;
}

/** A destination for log records. */
export interface LogSink {
  write(record: LogRecord): void;
  /** Let go of the file and open it again under its name (USR1, logrotate); a no-op for streams. */
  reopen(): void;
  /** Write out what is buffered, now (before the process exits). */
  flushSync(): void;
  /** Resolves once what is buffered has been written. */
  flush?(): Promise<void>;
  /** Write out what is buffered and let go of the file. */
  close?(): void;
}

/** PIPE_BUF on Linux: a write of at most this many bytes to a pipe is never split. */
export const WHOLE_LINES_BYTES = 4096;

/**
 * The largest write to a log file. Appends to a regular file (`O_APPEND`) are not interleaved by
 * other processes' appends whatever their size, so files take larger writes than pipes.
 */
export const FILE_WRITE_BYTES = 64 * 1024;

export interface SinkOptions {
  /** Write each line before returning (the error log); buffered otherwise (the access log). */
  readonly sync: boolean;
  /** Told once about a failed write (a full disk, a closed pipe); the sink keeps going. */
  readonly onError?: (error: Error) => void;
}

/**
 * Hand `text` (whole lines) to sonic-boom in pieces of at most `most` bytes, each ending
 * at a line's end, so that no `write(2)` cuts a line (a single longer line goes alone).
 */
function writeWholeLines(boom: SonicBoom, text: string, most: number): void {
  let start = 0;
  while (text.length - start > most) {
    const cut = text.lastIndexOf('\n', start + most - 1);
    const end = cut >= start ? cut + 1 : text.indexOf('\n', start + most) + 1 || text.length;
    boom.write(text.slice(start, end));
    start = end;
  }
  if (start < text.length) boom.write(start === 0 ? text : text.slice(start));
}

/** How long a buffered sink gathers lines before it hands them over (unless it has a full write's worth). */
export const GATHER_MS = 20;

/**
 * A sonic-boom sink. A buffered one gathers lines for up to `GATHER_MS`, or until it holds a
 * whole write's worth (`most` bytes), and hands them over together: under load one
 * `write(2)` carries the lines of dozens of requests instead of one thread-pool write per request
 * (measured: a write per request cost a fifth of hello-world throughput), and a line is in the
 * file at most a few tens of milliseconds after its response.
 */
function boomSink(
  boom: SonicBoom,
  most: number,
  reopenable: boolean,
  sync: boolean,
  onError?: (error: Error) => void,
): LogSink {
  let reported = false;
  boom.on('error', (error: Error) => {
    if (reported) return;
    reported = true;
    onError?.(error);
  });
  let gathered = '';
  let timer: NodeJS.Timeout | undefined;
  const handOver = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const text = gathered;
    gathered = '';
    if (text) writeWholeLines(boom, text, most);
  };
  return {
    write: sync
      ? (record) => void boom.write(record.line)
      : (record) => {
          gathered += record.line;
          if (gathered.length >= most) handOver();
          else if (!timer) timer = setTimeout(handOver, GATHER_MS);
        },
    reopen() {
      if (!reopenable) return;
      reported = false;
      handOver();
      boom.reopen();
    },
    flushSync() {
      handOver();
      try {
        boom.flushSync();
      } catch {
        // Still opening: what it holds is written once it has opened.
      }
    },
    flush: () =>
      new Promise<void>((done) => {
        handOver();
        try {
          boom.flush(() => done());
        } catch {
          done();
        }
      }),
    close() {
      handOver();
      try {
        boom.end();
      } catch {
        // Already ended.
      }
    },
  };
}

/**
 * A log file, opened for appending (created if missing); throws `RUNICORN_LOG_FILE` at once
 * when it cannot be opened, so a bad path is one line at boot.
 *
 * @example
 * openFileSink('/var/log/runicorn/error.log', { sync: true })
 */
export function openFileSink(path: string, options: SinkOptions, what = 'log file'): LogSink {
  try {
    closeSync(openSync(path, 'a'));
  } catch (err) {
    throw runicornError('RUNICORN_LOG_FILE', { what, path, reason: errorLine(err) });
  }
  const boom = new SonicBoom({ dest: path, append: true, sync: options.sync, maxWrite: FILE_WRITE_BYTES });
  return boomSink(boom, FILE_WRITE_BYTES, true, options.sync, options.onError);
}

/**
 * stdout (fd 1) or stderr (fd 2), written through the same fd the process's own `process.stdout`
 * and `process.stderr` use; a synchronous sink (the error log) writes each line before returning.
 *
 * @example
 * openStdSink(1, { sync: false }) // the access log with --access-logfile -
 */
export function openStdSink(fd: 1 | 2, options: SinkOptions): LogSink {
  const boom = new SonicBoom({ fd, sync: options.sync, maxWrite: WHOLE_LINES_BYTES });
  return boomSink(boom, WHOLE_LINES_BYTES, false, options.sync, options.onError);
}

/**
 * A log target from a setting: `-` is the given standard stream, anything else a file path.
 *
 * @example
 * openLogTarget(config.accesslog, 1, { sync: false }, 'access log')
 */
export function openLogTarget(target: string, std: 1 | 2, options: SinkOptions, what: string): LogSink {
  return target === '-' ? openStdSink(std, options) : openFileSink(target, options, what);
}
