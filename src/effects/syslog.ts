/**
 * A log sink that sends each record to syslog, over UDP, TCP, or a unix socket (datagram, as
 * /dev/log is, or stream). The framing is in `src/streams/syslog-format.ts`.
 *
 * Why it never blocks and never throws: every socket is non-blocking and every failure lands in
 * `onError`, once per outage (re-armed when a connection comes back, and by `reopen()`). While
 * syslog is unreachable its messages are dropped, never queued without bound: at most 64 KiB
 * wait while a connection is being made, and a stream whose peer reads too slowly drops what
 * would take its buffer past 64 KiB. TCP and unix stream connections come back with backoff
 * (0.1 s doubling to 30 s); a unix datagram socket whose receiver went away (journald restarted)
 * is connected again the same way. UDP resolves its host once and connects the socket, so a
 * closed port shows as ECONNREFUSED (one warning) instead of silence.
 *
 * Why `unix-dgram`: Node's `dgram` has no AF_UNIX, and /dev/log only takes datagrams. The
 * package (Ben Noordhuis's small native addon, hot-shots' optional dependency) is an optional
 * dependency: without it a unix datagram address refuses to start with one line.
 *
 * This file is over 300 lines because the four transports share the reporting, backoff and
 * dropping rules that make them safe, and reading them side by side is how one checks that.
 *
 * @example
 * const sink = openSyslogSink({ address: 'unix:///dev/log', facility: 'daemon', tag: syslogTag('app', 'error'),
 *   onError: (err) => logger.log('warning', err.message) });
 * sink.write({ level: 'info', message: 'Booting worker with pid: 42', line: '…\n' });
 * // /dev/log receives '<30>runicorn.app.error: [1234] Booting worker with pid: 42\0'
 * sink.close();
 */
import { createSocket as createUdpSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns';
import { createConnection, isIP, type NetConnectOpts, type Socket as NetSocket } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { runicornError } from '../streams/errors';
import {
  defaultSyslogAddress,
  parseSyslogAddress,
  type SyslogFraming,
  syslogBody,
  syslogTerminator,
} from '../streams/syslog-format';
import { errorLine } from './error-text';
import type { LogSink } from './log-sink';

export { syslogPrefix, syslogTag } from '../streams/syslog-format';

/** A message longer than this (in bytes, terminator included) is cut, at a character boundary. */
export const SYSLOG_MAX_BYTES = 8192;

/** What may wait for a connection, or sit in a stream's buffer, before messages are dropped. */
const MAX_BUFFERED_BYTES = 64 * 1024;
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 30_000;

/** The part of `unix-dgram` used here. */
export interface UnixDgramSocket {
  on(event: 'error', listener: (error: Error & { code?: unknown }) => void): unknown;
  connect(path: string): void;
  connected?: boolean;
  send(buf: Buffer, callback: (error?: Error & { code?: unknown }) => void): void;
  close(): void;
}
export interface UnixDgram {
  createSocket(type: 'unix_dgram'): UnixDgramSocket;
}

export interface SyslogSinkOptions {
  /** `--log-syslog-to`; `null` is the platform's syslog (`udp://localhost:514` on Linux). */
  readonly address: string | null;
  /** `--log-syslog-facility`: `user`, `daemon`, `local0`… */
  readonly facility: string;
  /** The program name: `syslogTag(prefix, 'error' | 'access')`. */
  readonly tag: string;
  /** The pid in `[PID]`; the current process's by default. */
  readonly pid?: number;
  /** Cut messages to this many bytes (`SYSLOG_MAX_BYTES`). */
  readonly maxBytes?: number;
  /** Told once per outage (a warning for the error log); never called synchronously. */
  readonly onError?: (error: Error) => void;
  /** The `unix-dgram` module; `null` behaves as if it were not installed (tests). */
  readonly unixDgram?: UnixDgram | null;
}

/** A syslog sink: a `LogSink` that also lets go of its socket. */
export interface SyslogSink extends LogSink {
  /** Close the socket and stop reconnecting; later writes are dropped. */
  close(): void;
}

interface Transport {
  readonly framing: SyslogFraming;
  send(bytes: Buffer): void;
  /** Connect again now when down (USR1). */
  retry(): void;
  close(): void;
}

/** Once per outage: `report` tells `onError` the first time, `rearm` lets it tell again. */
interface Reporter {
  report(reason: string): void;
  rearm(): void;
}

function reporter(address: string, onError?: (error: Error) => void): Reporter {
  let reported = false;
  return {
    report(reason) {
      if (reported) return;
      reported = true;
      const error = new Error(
        `cannot send to syslog at ${address} (${reason}); its messages are dropped until it is back`,
      );
      setImmediate(() => onError?.(error));
    },
    rearm() {
      reported = false;
    },
  };
}

/** An errno name (`ECONNREFUSED`) for node's errors and unix-dgram's negative numbers. */
function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'number' && code < 0) {
    try {
      return getSystemErrorName(code);
    } catch {
      return `errno ${code}`;
    }
  }
  return typeof code === 'string' ? code : errorLine(error);
}

function backoff(run: () => void) {
  let delay = BACKOFF_MIN_MS;
  let timer: NodeJS.Timeout | undefined;
  const cancel = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  return {
    schedule() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        run();
      }, delay);
      timer.unref();
      delay = Math.min(delay * 2, BACKOFF_MAX_MS);
    },
    reset() {
      delay = BACKOFF_MIN_MS;
    },
    now() {
      cancel();
      delay = BACKOFF_MIN_MS;
      run();
    },
    cancel,
  };
}

/** Messages waiting for a connection, at most MAX_BUFFERED_BYTES of them. */
function pendingQueue() {
  let items: Buffer[] = [];
  let bytes = 0;
  return {
    push(b: Buffer) {
      if (bytes + b.length > MAX_BUFFERED_BYTES) return;
      items.push(b);
      bytes += b.length;
    },
    take(): Buffer[] {
      const out = items;
      items = [];
      bytes = 0;
      return out;
    },
  };
}

type State = 'connecting' | 'up' | 'down' | 'closed';

function udpTransport(host: string, port: number, r: Reporter): Transport {
  let state: State = 'connecting';
  let socket: UdpSocket | undefined;
  const pending = pendingQueue();
  const open = (address: string, family: number) => {
    if (state === 'closed') return;
    const s = createUdpSocket(family === 6 ? 'udp6' : 'udp4');
    socket = s;
    s.unref();
    s.on('error', (err) => {
      r.report(reasonOf(err));
      if (state === 'connecting') state = 'down';
    });
    s.connect(port, address, () => {
      if (state !== 'connecting') return;
      state = 'up';
      for (const b of pending.take()) transport.send(b);
    });
  };
  const start = () => {
    state = 'connecting';
    const family = isIP(host);
    if (family) return open(host, family);
    lookup(host, (err, address, fam) => {
      if (!err) return open(address, fam);
      if (state !== 'closed') state = 'down';
      r.report(reasonOf(err));
    });
  };
  const sent = (err: Error | null) => {
    if (err) r.report(reasonOf(err));
  };
  const closeUdp = () => {
    try {
      socket?.close();
    } catch {
      // Already closed.
    }
    socket = undefined;
  };
  const transport: Transport = {
    framing: 'datagram',
    send(bytes) {
      if (state === 'up') socket?.send(bytes, sent);
      else if (state === 'connecting') pending.push(bytes);
    },
    retry() {
      if (state !== 'down') return;
      closeUdp();
      start();
    },
    close() {
      state = 'closed';
      closeUdp();
    },
  };
  start();
  return transport;
}

function streamTransport(options: NetConnectOpts, r: Reporter): Transport {
  let state: State = 'connecting';
  let socket: NetSocket | undefined;
  let upSince = 0;
  const pending = pendingQueue();
  const connect = () => {
    if (state === 'closed') return;
    state = 'connecting';
    const s = createConnection(options);
    socket = s;
    s.unref();
    s.on('connect', () => {
      if (socket !== s || state !== 'connecting') return;
      state = 'up';
      upSince = Date.now();
      r.rearm();
      for (const b of pending.take()) s.write(b);
    });
    s.on('error', (err) => r.report(reasonOf(err)));
    s.on('close', () => {
      if (socket !== s || state === 'closed') return;
      socket = undefined;
      pending.take();
      // A connection that lived a while starts the backoff over; one the peer drops at once does not.
      if (state === 'up' && Date.now() - upSince > 1000) retry.reset();
      if (state === 'up') r.report('the connection closed');
      state = 'down';
      retry.schedule();
    });
  };
  const retry = backoff(connect);
  connect();
  return {
    framing: 'stream',
    send(bytes) {
      if (state === 'up' && socket && socket.writableLength + bytes.length <= MAX_BUFFERED_BYTES) socket.write(bytes);
      else if (state === 'connecting') pending.push(bytes);
    },
    retry() {
      if (state === 'down') retry.now();
    },
    close() {
      state = 'closed';
      retry.cancel();
      socket?.end();
      socket = undefined;
    },
  };
}

/**
 * A connected unix datagram socket. `onStreamSocket` is called instead of failing when the path
 * is a stream socket (EPROTOTYPE) and the address did not say `#dgram`: Python's handler, and
 * so Gunicorn, try a datagram socket and then a stream one.
 */
function unixDgramTransport(lib: UnixDgram, path: string, r: Reporter, onStreamSocket?: () => void): Transport {
  let state: State = 'connecting';
  let socket: UnixDgramSocket | undefined;
  const drop = () => {
    try {
      socket?.close();
    } catch {
      // Already closed.
    }
    socket = undefined;
  };
  const connect = () => {
    if (state === 'closed') return;
    state = 'connecting';
    let failure: unknown;
    try {
      const s = lib.createSocket('unix_dgram');
      socket = s;
      s.on('error', (err) => {
        failure = err;
      });
      s.connect(path); // emits 'error' (or sets `connected`) before it returns
      if (s.connected) {
        state = 'up';
        r.rearm();
        return;
      }
    } catch (err) {
      failure = err;
    }
    drop();
    state = 'down';
    const reason = reasonOf(failure);
    if (reason === 'EPROTOTYPE' && onStreamSocket) return onStreamSocket();
    r.report(reason);
    retry.schedule();
  };
  const retry = backoff(connect);
  const sent = (err?: Error & { code?: unknown }) => {
    // unix-dgram's code 1 is EAGAIN (the receiver's queue is full): that one message is dropped.
    if (!err || err.code === 1 || state !== 'up') return;
    r.report(reasonOf(err));
    drop();
    state = 'down';
    retry.schedule();
  };
  connect();
  return {
    framing: 'datagram',
    send(bytes) {
      if (state === 'up') socket?.send(bytes, sent);
    },
    retry() {
      if (state === 'down') retry.now();
    },
    close() {
      state = 'closed';
      retry.cancel();
      drop();
    },
  };
}

/** A bare `unix://PATH`: a datagram socket, or a stream one when that is what the path is. */
function unixTransport(lib: UnixDgram, path: string, explicit: boolean, r: Reporter): Transport {
  let inner: Transport | undefined;
  const toStream = () => {
    inner = streamTransport({ path }, r);
  };
  const dgram = unixDgramTransport(lib, path, r, explicit ? undefined : toStream);
  inner ??= dgram;
  return {
    get framing() {
      return (inner ?? dgram).framing;
    },
    send: (bytes) => (inner ?? dgram).send(bytes),
    retry: () => (inner ?? dgram).retry(),
    close: () => (inner ?? dgram).close(),
  };
}

function loadUnixDgram(): UnixDgram | null {
  try {
    return require('unix-dgram') as UnixDgram;
  } catch {
    return null;
  }
}

/** The message as bytes, cut to `maxBytes` at a UTF-8 character boundary, terminator kept. */
export function syslogBytes(body: string, terminator: string, maxBytes: number): Buffer {
  const buf = Buffer.from(body + terminator);
  if (buf.length <= maxBytes) return buf;
  let cut = maxBytes - 1;
  while (cut > 0 && ((buf[cut] ?? 0) & 0xc0) === 0x80) cut--;
  buf.write(terminator, cut);
  return buf.subarray(0, cut + 1);
}

/**
 * Opens a syslog sink: connects (or starts connecting) at once; throws `RUNICORN_BAD_SETTING`
 * only for an address it cannot use at all (a unix datagram socket without `unix-dgram`).
 *
 * @example
 * const access = openSyslogSink({ address: 'udp://127.0.0.1:514', facility: 'local0', tag: 'runicorn.app.access' });
 */
export function openSyslogSink(options: SyslogSinkOptions): SyslogSink {
  const address = options.address ?? defaultSyslogAddress(process.platform);
  const target = parseSyslogAddress(address);
  const bad = (why: string) =>
    runicornError('RUNICORN_BAD_SETTING', {
      setting: '--log-syslog-to',
      source: '',
      value: address,
      expected: 'a syslog address this install can use',
      why,
    });
  if (!target) throw bad('not unix://PATH[#stream|#dgram], udp://HOST:PORT or tcp://HOST:PORT');
  const r = reporter(address, options.onError);
  let transport: Transport;
  if (target.type === 'udp') transport = udpTransport(target.host, target.port, r);
  else if (target.type === 'tcp') transport = streamTransport({ host: target.host, port: target.port }, r);
  else if (target.socket === 'stream') transport = streamTransport({ path: target.path }, r);
  else {
    const lib = options.unixDgram === undefined ? loadUnixDgram() : options.unixDgram;
    if (!lib) {
      throw bad(
        'a unix datagram socket needs the optional package unix-dgram, which is not installed or did not build: '
          + 'npm install unix-dgram, or use unix://PATH#stream, udp:// or tcp://',
      );
    }
    transport = unixTransport(lib, target.path, target.explicit, r);
  }
  const maxBytes = Math.max(options.maxBytes ?? SYSLOG_MAX_BYTES, 64);
  const pid = options.pid ?? process.pid;
  let closed = false;
  return {
    write(record) {
      if (closed) return;
      try {
        const framing = transport.framing;
        const body = syslogBody(framing, {
          facility: options.facility,
          level: record.level,
          tag: options.tag,
          pid,
          message: record.message,
        });
        transport.send(syslogBytes(body, syslogTerminator(framing), maxBytes));
      } catch (err) {
        r.report(reasonOf(err));
      }
    },
    reopen() {
      r.rearm();
      transport.retry();
    },
    flushSync() {
      // Datagrams are sent as they are written; a stream's kernel buffer is not ours to flush.
    },
    close() {
      if (closed) return;
      closed = true;
      transport.close();
    },
  };
}
