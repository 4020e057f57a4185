/**
 * Refusals on the wire: the status Gunicorn gives for each fault Node's parser reports, and the
 * bytes of an answer for a socket whose request could not be parsed. Pure, beside the head rules
 * (`head-rules.ts`) that refuse parsed requests.
 *
 * @example
 * const refusal = refusalForParseError(err.code, err.reason, packet, rules);
 * if (refusal) socket.end(refusalResponse(refusal));
 */
import type { HeadRules } from './head-rules';
import { transferCodings } from './transfer-codings';
import type { Refusal } from './verdict';

/** The header section's lines in a raw packet, from after the request line to the blank line (or the end). */
function transferEncodingValues(packet: string): string[] {
  const end = packet.indexOf('\r\n\r\n');
  const lines = (end < 0 ? packet : packet.slice(0, end)).split('\r\n').slice(1);
  const values: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'transfer-encoding')
      values.push(line.slice(colon + 1));
  }
  return values;
}

/**
 * The answer to a request Node's parser refused (its `clientError`): the status Gunicorn gives
 * for the same fault, or `undefined` for faults with no one left to answer (the client reset
 * the connection). `packet` is what the parser was reading, used where llhttp's code alone
 * does not say which of Gunicorn's errors it is.
 *
 * @example
 * refusalForParseError('HPE_INVALID_METHOD', 'Invalid method encountered', 'get / HTTP/1.1\r\n...', rules)
 * // { status: 400, message: 'Invalid Method' }
 */
export function refusalForParseError(
  code: string | undefined,
  reason: string,
  packet: string,
  rules: HeadRules,
): Refusal | undefined {
  switch (code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'Request Timeout' };
    case 'HPE_HEADER_OVERFLOW': {
      const eol = packet.indexOf('\r\n');
      const line = eol < 0 ? packet.length : eol;
      if (rules.requestLine > 0 && line > rules.requestLine)
        return { status: 414, message: `Request Line is too large (${line} > ${rules.requestLine})` };
      return { status: 431, message: 'Request header section is too large' };
    }
    case 'HPE_INVALID_METHOD':
      return { status: 400, message: 'Invalid Method' };
    case 'HPE_INVALID_URL':
      return { status: 400, message: 'Invalid Request Line: bad request-target' };
    case 'HPE_INVALID_VERSION':
      return { status: 400, message: 'Invalid HTTP Version' };
    case 'HPE_INVALID_TRANSFER_ENCODING': {
      const verdict = transferCodings(transferEncodingValues(packet), '1.1');
      if (verdict?.refuse?.status === 501) return verdict.refuse;
      return { status: 400, message: `Invalid HTTP Header: ${reason}` };
    }
    case 'HPE_INVALID_CHUNK_SIZE':
    case 'HPE_INVALID_EOF_STATE':
      return { status: 400, message: `Invalid chunked body: ${reason}` };
    default:
      return { status: 400, message: `Invalid request: ${reason}` };
  }
}

const REASONS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  414: 'URI Too Long',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
};

/** The reason phrase for a refusal's status. */
export const reasonPhrase = (status: number): string => REASONS[status] ?? 'Bad Request';

/**
 * A refusal as raw bytes for a socket whose request Node could not parse: `Connection: close`
 * and a one-line plain-text body.
 *
 * @example
 * refusalResponse({ status: 400, message: 'Invalid Method' })
 * // 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 15\r\n\r\nInvalid Method\n'
 */
export function refusalResponse(refusal: Refusal): string {
  const body = `${refusal.message}\n`;
  return (
    `HTTP/1.1 ${refusal.status} ${reasonPhrase(refusal.status)}\r\nConnection: close\r\n`
    + `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n${body}`
  );
}
