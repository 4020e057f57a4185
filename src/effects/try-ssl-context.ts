/**
 * The `sslContext` hook tried once in the arbiter, before workers start, so a hook that fails is
 * one line (exit 1 at boot, a refused reload on HUP) instead of failing every new worker.
 *
 * @example
 * const tried = await trySslContext(settings, config.sslContext, configSnapshot(config), 30_000);
 */
import tls from 'node:tls';
import * as E from 'fp-ts/Either';
import { isRunicornError, type RunicornError } from '../streams/errors';
import type { TlsSettings } from '../streams/tls-settings';
import { errorLine } from './error-text';
import { secureServerOptions, sslContextError } from './tls';

/**
 * The `sslContext` hook tried once in the arbiter, as a dry run, before workers start (at boot,
 * at HUP and under `--check-config`): called as a worker calls it, with the same `config` view and
 * a `defaultContextFactory` over the files as they are now; what it returns is given to
 * `tls.createServer` (which checks it as `https.createServer` would, without listening) and then
 * dropped. No hook: nothing to try.
 *
 * Why in the arbiter: a hook that throws (or returns something that is not options or a
 * SecureContext) would otherwise fail every new worker at boot: at start the arbiter halts with
 * exit 3, and after a HUP each new worker fails before the reload is given up. Tried here, it is
 * one line instead: exit 1 at boot, a refused reload on HUP with the old workers still serving and
 * no new worker started, as for a broken renewed certificate.
 *
 * What users may not expect, and the sslContext setting's doc says: the hook runs once more per start and per HUP,
 * in the arbiter, as the arbiter's user (before `--user` applies to workers); a timer, connection
 * or global it leaves behind stays in the arbiter. `timeoutMs` (the worker `--timeout`, which
 * also bounds a worker's boot; 0 for none) bounds a hook that never settles.
 *
 * @example
 * const tried = await trySslContext(settings, config.sslContext, configSnapshot(config), 30_000);
 * if (E.isLeft(tried)) throw tried.left; // cannot serve HTTPS: the sslContext hook threw: no such secret
 */
export async function trySslContext(
  settings: TlsSettings,
  hook: unknown,
  config: Readonly<Record<string, unknown>>,
  timeoutMs: number,
): Promise<E.Either<RunicornError, void>> {
  if (typeof hook !== 'function') return E.right(undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    const made = secureServerOptions(settings, hook, config);
    const late = new Promise<never>((_, reject) => {
      if (timeoutMs > 0)
        timer = setTimeout(
          () => reject(sslContextError(`did not settle within ${timeoutMs / 1000} s (--timeout)`)),
          timeoutMs,
        );
    });
    const options = await Promise.race([made, late]);
    try {
      tls.createServer(options);
    } catch (err) {
      throw sslContextError(`returned options that https.createServer refuses: ${errorLine(err)}`);
    }
    return E.right(undefined);
  } catch (err) {
    return E.left(isRunicornError(err) ? err : sslContextError(`failed: ${errorLine(err)}`));
  } finally {
    clearTimeout(timer);
  }
}
