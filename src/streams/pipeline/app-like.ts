/**
 * Recognise an app handed back by a request handler instead of an answer.
 *
 * Why: `APP` may name a factory (`app.mjs:create`) where the user meant to call it
 * (`app.mjs:create()`). runicorn then calls `create(req, res)` for every request, which builds an
 * app, returns it and answers nothing: every request would hang with nothing logged. `serve`
 * checks what the handler returned (or what its promise resolved to) when the response is still
 * unanswered, and answers a 500 with this error.
 *
 * @example
 * describeAppLike(express()); // 'an Express app'
 * describeAppLike(res.end()); // undefined (a ServerResponse is no app)
 */

/**
 * What `value` is, when it looks like an app or a request listener; `undefined` otherwise.
 *
 * A bare function counts only when it takes `(req, res)` or more, so a handler that returns a
 * cleanup callback (`() => …`) is not mistaken for a factory.
 *
 * @example
 * describeAppLike({ fetch: () => new Response('') }); // 'a Fetch handler (an object with a fetch method)'
 */
export function describeAppLike(value: unknown): string | undefined {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return undefined;
  const v = value as Record<string, unknown>;
  const has = (key: string) => typeof v[key] === 'function';
  if (has('fetch')) return 'a Fetch handler (an object with a fetch method)';
  if (has('callback') && has('use')) return 'a Koa app';
  if (has('routing') && has('ready')) return 'a Fastify app';
  if (typeof value === 'function') {
    if (has('handle') && has('use')) return 'an Express app';
    if (value.length >= 2 || has('listen')) return 'a function';
    return undefined;
  }
  if (has('listen')) return 'a server (an object with a listen method)';
  return undefined;
}

/**
 * A request handler returned an app instead of answering; the request got a 500.
 *
 * A user's mistake, so its `stack` is its one-line message: the log shows the fix, not frames
 * inside runicorn.
 *
 * @example
 * new AppReturnedAppError('an Express app').message
 * // the app returned an Express app instead of answering the request: if APP names a factory, call it: `module:create()`
 */
export class AppReturnedAppError extends Error {
  override readonly name = 'AppReturnedAppError';
  /** Stable, for matching in logs and tests. */
  readonly code = 'RUNICORN_APP_RETURNED_APP';

  constructor(readonly returned: string) {
    super(
      `the app returned ${returned} instead of answering the request: if APP names a factory, call it: \`module:create()\``,
    );
    this.stack = this.message;
  }
}
