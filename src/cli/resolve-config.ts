/**
 * Precedence: defaults → config file → `RUNICORN_CMD_ARGS` → the command line, one setting at a
 * time, then decoding the winner with the setting's codec.
 *
 * Decoding happens once, after the winner is known, so an error names the source the bad value
 * really came from: `--workers (from RUNICORN_CMD_ARGS) must be a positive integer, got "abc"`.
 *
 * @example
 * resolveConfig([fileLayer, envArgsLayer, cliLayer], process.env) // right(config)
 */
import * as E from 'fp-ts/Either';
import { firstReason } from '../streams/codecs';
import { runicornError, type RunicornError } from '../streams/errors';
import { allSettings, type Config, type SettingName } from './settings/index';
import { flagOf, type Setting } from './settings/setting';

export interface Layer {
  /** Named in errors: 'runicorn.conf.js', 'RUNICORN_CMD_ARGS'; '' for the command line. */
  readonly source: string;
  /** Flags name a setting as `--workers`, config files as `workers`. */
  readonly style: 'flag' | 'key';
  readonly values: Partial<Record<SettingName, unknown>>;
}

/** Where each setting's value came from ('default', or the layer's source). */
export type Origins = Readonly<Record<SettingName, string>>;

function show(raw: unknown): string {
  if (Array.isArray(raw)) return raw.map((item) => (typeof item === 'function' ? show(item) : String(item))).join(' ');
  if (typeof raw === 'function') return `<function ${raw.name || 'anonymous'}>`;
  if (raw !== null && typeof raw === 'object') return JSON.stringify(raw);
  return String(raw);
}

/** Decode `raw` with the setting's codec, or one line naming setting, source, value and expectation. */
export function decodeSetting<A>(
  s: Setting<A>,
  raw: unknown,
  name: string,
  source: string,
): E.Either<RunicornError, A> {
  const result = s.codec.decode(raw);
  if (E.isRight(result)) return E.right(result.right);
  // `--proxy-protocol app.mjs`: an optional value took the app's place on the command line.
  const why =
    firstReason(result.left)
    || (s.arity === 'optional' && source === '' && name.startsWith('--')
      ? `alone, ${name} means ${String(s.switchValue)}; before the app write ${name}=${String(s.switchValue)}`
      : '');
  return E.left(
    runicornError('RUNICORN_BAD_SETTING', {
      setting: name,
      source,
      value: show(raw),
      expected: s.codec.expected,
      ...(why ? { why } : {}),
    }),
  );
}

export interface Resolved {
  readonly config: Config;
  readonly origins: Origins;
}

/** Resolve every setting over `layers` (lowest precedence first). */
export function resolveConfig(layers: readonly Layer[], env: NodeJS.ProcessEnv): E.Either<RunicornError, Resolved> {
  const values: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  for (const [key, s] of allSettings()) {
    const winner = [...layers].reverse().find((l) => l.values[key] !== undefined);
    let result: E.Either<RunicornError, unknown>;
    if (winner) {
      result = decodeSetting(s, winner.values[key], winner.style === 'flag' ? flagOf(s) : s.name, winner.source);
      origins[key] = winner.source || 'command line';
    } else {
      const fallback = s.default(env);
      result = decodeSetting(s, fallback.value, s.flags.length ? flagOf(s) : s.name, fallback.env ?? 'default');
      origins[key] = fallback.env ?? 'default';
    }
    if (E.isLeft(result)) return result;
    values[key] = result.right;
  }
  const refused = refusedSetting(origins);
  if (refused) return E.left(refused);
  return E.right({ config: values as Config, origins: origins as Origins });
}

/**
 * The first setting with a security meaning that was given although its feature has not landed:
 * such a setting is never accepted and ignored (TLS would silently become plain HTTP).
 */
function refusedSetting(origins: Readonly<Record<string, string>>): RunicornError | undefined {
  for (const [key, s] of allSettings()) {
    const origin = origins[key];
    if (origin === undefined || origin === 'default' || s.support.state !== 'planned' || !s.support.risk) continue;
    return runicornError('RUNICORN_NOT_SUPPORTED', {
      setting: s.flags.length ? flagOf(s) : s.name,
      source: origin === 'command line' ? '' : origin,
      area: s.support.area,
      risk: s.support.risk,
    });
  }
  return undefined;
}
