/**
 * Everything HTTPS needs, checked in the arbiter before any worker starts: the SSL settings and
 * their files (`checkTlsConfig`), then the `sslContext` hook tried once (`trySslContext`). Boot,
 * HUP and `--check-config` all call this, so each refuses exactly what the others refuse.
 *
 * @example
 * const checked = await checkHttps(config); // left: cannot serve HTTPS: the sslContext hook threw: boom
 */
import * as E from 'fp-ts/Either';
import { checkTlsConfig } from '../effects/tls';
import { trySslContext } from '../effects/try-ssl-context';
import type { RunicornError } from '../streams/errors';
import { tlsSettingsOf } from '../streams/tls-settings';
import type { Config } from './settings/index';
import { configSnapshot } from './show-config';

/**
 * The SSL settings of `config` checked, then its `sslContext` hook tried with the `config` view a
 * worker gets, bounded by `--timeout` (which bounds a worker's boot too). Plain HTTP passes.
 *
 * @example
 * const checked = await checkHttps(config);
 * if (E.isLeft(checked)) throw checked.left;
 */
export async function checkHttps(config: Config): Promise<E.Either<RunicornError, void>> {
  const files = checkTlsConfig(config);
  if (E.isLeft(files)) return files;
  const settings = tlsSettingsOf(config);
  if (E.isLeft(settings) || settings.right === undefined) return E.right(undefined);
  return trySslContext(settings.right, config.sslContext, configSnapshot(config), config.timeout * 1000);
}
