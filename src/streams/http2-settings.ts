/**
 * What a worker serves HTTP/2 with, out of the HTTP/2 settings and whether TLS is on: the
 * protocols offered by ALPN in order, whether cleartext connections are sniffed for the h2
 * preface (prior knowledge), and the SETTINGS frame values. Pure.
 *
 * Why a warning and not a refusal for h2 that cannot be served: Gunicorn accepts the same
 * configuration and serves HTTP/1.1 (ALPN needs TLS, and browsers speak h2 only over TLS), so a
 * Gunicorn configuration keeps working; the warning says why no h2 is served.
 *
 * @example
 * http2PlanOf({ ...defaults, httpProtocols: ['h2', 'h1'] }, true)
 * // { options: { protocols: ['h2', 'h1'], cleartext: false, settings: {...} }, warnings: [] }
 */

/** The HTTP/2 settings as configured. */
export interface Http2Config {
  readonly httpProtocols: ReadonlyArray<'h1' | 'h2' | 'h3'>;
  readonly http2Cleartext: 'off' | 'prior-knowledge' | 'upgrade' | 'both';
  readonly http2MaxConcurrentStreams: number;
  readonly http2InitialWindowSize: number;
  readonly http2MaxFrameSize: number;
  readonly http2MaxHeaderListSize: number;
}

/** The SETTINGS frame a worker sends, as Node's `http2` takes it. */
export interface Http2FrameSettings {
  readonly maxConcurrentStreams: number;
  readonly initialWindowSize: number;
  readonly maxFrameSize: number;
  readonly maxHeaderListSize: number;
}

/** How a worker serves HTTP/2; absent when it serves HTTP/1 only. */
export interface Http2Options {
  /** ALPN's offer, in the server's order of preference (h3 left out: it does nothing). */
  readonly protocols: ReadonlyArray<'h1' | 'h2'>;
  /** Cleartext: sniff each trusted peer's connection for the h2 preface (prior knowledge). */
  readonly cleartext: boolean;
  readonly settings: Http2FrameSettings;
}

/** What the settings come to: the options (none for HTTP/1 only) and what to warn about at boot. */
export interface Http2Plan {
  readonly options: Http2Options | undefined;
  readonly warnings: readonly string[];
}

/** The largest SETTINGS_MAX_HEADER_LIST_SIZE Node takes: what "0 = unlimited" becomes. */
export const UNLIMITED_HEADER_LIST = 2 ** 32 - 1;

/**
 * The SETTINGS values of a configuration.
 *
 * @example
 * frameSettingsOf({ ...config, http2MaxHeaderListSize: 0 }).maxHeaderListSize // 4294967295
 */
export const frameSettingsOf = (c: Http2Config): Http2FrameSettings => ({
  maxConcurrentStreams: c.http2MaxConcurrentStreams,
  initialWindowSize: c.http2InitialWindowSize,
  maxFrameSize: c.http2MaxFrameSize,
  maxHeaderListSize: c.http2MaxHeaderListSize === 0 ? UNLIMITED_HEADER_LIST : c.http2MaxHeaderListSize,
});

/**
 * How a worker serves HTTP/2 for these settings, with TLS on (`tls`) or not.
 *
 * @example
 * http2PlanOf({ ...config, httpProtocols: ['h2', 'h1'] }, false).warnings
 * // ['--http-protocols h2 needs TLS (--keyfile/--certfile) or --http2-cleartext prior-knowledge; serving HTTP/1.1 only']
 */
export function http2PlanOf(c: Http2Config, tls: boolean): Http2Plan {
  const protocols = c.httpProtocols.filter((p): p is 'h1' | 'h2' => p !== 'h3');
  const warnings: string[] = [];
  // Gunicorn accepts h3 and does nothing with it; said here, so that no one waits for QUIC.
  if (protocols.length < c.httpProtocols.length)
    warnings.push(
      `--http-protocols h3 (HTTP/3 over QUIC) is not supported; ignored${protocols.length === 0 ? ', serving HTTP/1.1' : ''}`,
    );
  const h2 = protocols.includes('h2');
  const cleartext = c.http2Cleartext;
  if (!h2) {
    if (cleartext !== 'off') warnings.push(`--http2-cleartext ${cleartext} needs h2 in --http-protocols; ignored`);
    return { options: undefined, warnings };
  }
  if (cleartext === 'upgrade')
    warnings.push(
      '--http2-cleartext upgrade (HTTP/1.1 Upgrade: h2c) is not implemented, as in Gunicorn; use prior-knowledge',
    );
  if (tls) {
    if (cleartext !== 'off') warnings.push(`--http2-cleartext ${cleartext} applies only without TLS; ignored`);
    return { options: { protocols, cleartext: false, settings: frameSettingsOf(c) }, warnings };
  }
  if (cleartext === 'prior-knowledge' || cleartext === 'both')
    return { options: { protocols, cleartext: true, settings: frameSettingsOf(c) }, warnings };
  if (cleartext === 'off')
    warnings.push(
      '--http-protocols h2 needs TLS (--keyfile/--certfile) or --http2-cleartext prior-knowledge; serving HTTP/1.1 only',
    );
  return { options: undefined, warnings };
}
