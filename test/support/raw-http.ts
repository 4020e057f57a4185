/**
 * Raw HTTP/1.1 over a real socket, for conformance tests: send exact bytes, read back every
 * response the server sends (status, headers in order, body by Content-Length or chunked) and
 * whether it closed the connection.
 *
 * A call resolves when the server has closed the connection, or when `responses` responses
 * have arrived and `waitClose` is false; `timeoutMs` turns a hang into a rejection.
 */
import net from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly reason: string;
  /** Header lines as sent: [name, value, name, value, …]. */
  readonly headers: readonly string[];
  readonly body: string;
}

export interface RawResult {
  readonly responses: readonly RawResponse[];
  /** The server closed the connection (FIN or reset). */
  readonly closed: boolean;
  /** Bytes after the last complete response (a partial one). */
  readonly rest: string;
}

export const header = (r: RawResponse, name: string): string | undefined => {
  for (let i = 0; i < r.headers.length; i += 2)
    if ((r.headers[i] as string).toLowerCase() === name.toLowerCase()) return r.headers[i + 1];
  return undefined;
};

/** Parse as many complete responses as `text` holds; interim (1xx) responses are included. */
export function parseResponses(text: string): { responses: RawResponse[]; rest: string } {
  const responses: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const lines = text.slice(at, end).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
    if (!m) break;
    const headers: string[] = [];
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers.push(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    const status = Number(m[1]);
    const base = { status, reason: m[2] ?? '', headers };
    let bodyAt = end + 4;
    const length = header({ ...base, body: '' }, 'content-length');
    const chunked = /chunked/i.test(header({ ...base, body: '' }, 'transfer-encoding') ?? '');
    if (status < 200 || status === 204 || status === 304) {
      responses.push({ ...base, body: '' });
      at = bodyAt;
    } else if (length !== undefined) {
      if (text.length < bodyAt + Number(length)) break;
      responses.push({ ...base, body: text.slice(bodyAt, bodyAt + Number(length)) });
      at = bodyAt + Number(length);
    } else if (chunked) {
      let body = '';
      let complete = false;
      for (;;) {
        const eol = text.indexOf('\r\n', bodyAt);
        if (eol < 0) break;
        const size = parseInt(text.slice(bodyAt, eol), 16);
        if (size === 0) {
          const trailerEnd = text.indexOf('\r\n\r\n', eol - 2);
          if (trailerEnd < 0) break;
          bodyAt = trailerEnd + 4;
          complete = true;
          break;
        }
        if (text.length < eol + 2 + size + 2) break;
        body += text.slice(eol + 2, eol + 2 + size);
        bodyAt = eol + 2 + size + 2;
      }
      if (!complete) break;
      responses.push({ ...base, body });
      at = bodyAt;
    } else {
      // Delimited by the close: only complete once the connection has ended.
      responses.push({ ...base, body: text.slice(bodyAt) });
      at = text.length;
    }
  }
  return { responses, rest: text.slice(at) };
}

export interface ExchangeOptions {
  /** Resolve once this many final (≥ 200) responses arrived, unless `waitClose`. */
  readonly responses?: number;
  /** Wait for the server to close the connection. */
  readonly waitClose?: boolean;
  /** End our write side after sending (a client that is done). */
  readonly half?: boolean;
  readonly timeoutMs?: number;
}

/**
 * Send `bytes` (string as latin1, or several writes) and collect what comes back.
 *
 * @example
 * const { responses, closed } = await exchange(port, 'GET * HTTP/1.1\r\nHost: a\r\n\r\n', { waitClose: true });
 */
export function exchange(
  port: number,
  bytes: string | readonly string[],
  options: ExchangeOptions = {},
): Promise<RawResult> {
  const want = options.responses ?? 1;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const { responses, rest } = parseResponses(text);
      resolve({ responses, closed, rest });
      socket.destroy();
    };
    const timer = setTimeout(() => {
      done = true;
      socket.destroy();
      reject(
        new Error(
          `no ${options.waitClose ? 'close' : `${want} response(s)`} in time; got ${JSON.stringify(text.slice(0, 300))}`,
        ),
      );
    }, options.timeoutMs ?? 5000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      if (options.waitClose) return;
      const finals = parseResponses(text).responses.filter((r) => r.status >= 200);
      if (finals.length >= want) finish(false);
    });
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      for (const part of typeof bytes === 'string' ? [bytes] : bytes) socket.write(Buffer.from(part, 'latin1'));
      if (options.half) socket.end();
    });
  });
}

/** `\n` → CRLF, for readable request literals. */
export const crlf = (text: string): string => text.replace(/\n/g, '\r\n');
