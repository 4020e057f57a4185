/**
 * What one setting is: declared once, it drives the command line, config-file keys, validation,
 * `--print-config` and `docs/settings.md`.
 *
 * @example
 * export const backlog = setting({
 *   name: 'backlog', gunicorn: 'backlog', flags: ['--backlog'], metavar: 'INT', arity: 'value',
 *   codec: PositiveInt, default: constant(2048), section: 'Server Socket', support: supported,
 *   doc: 'The maximum number of pending connections.',
 * });
 */
import type { Codec } from '../../streams/codecs';

/** Where a default comes from: a constant, or an environment variable Gunicorn also reads. */
export interface DefaultValue {
  readonly value: unknown;
  /** The env var the value was read from, named in error messages. */
  readonly env?: string;
}

/** The sections of Gunicorn's settings reference, plus runicorn's own. */
export type Section =
  | 'Config File'
  | 'Control'
  | 'Debugging'
  | 'Dirty Arbiter Hooks'
  | 'Dirty Arbiters'
  | 'HTTP/2'
  | 'Logging'
  | 'Process Naming'
  | 'SSL'
  | 'Security'
  | 'Server Hooks'
  | 'Server Mechanics'
  | 'Server Socket'
  | 'Worker Processes'
  | 'Node';

/**
 * Whether runicorn does what the setting says.
 * - `supported`: it has its effect.
 * - `planned`: registered and validated now; until `area` lands, setting it logs "not yet supported",
 *   or, for a setting with a security meaning (`risk` given), refuses to start: a TLS, privilege,
 *   limit or allow-list setting is never accepted and ignored.
 * - `not-applicable`: means nothing in Node; accepted and ignored with a warning; `why` is in the docs.
 */
export type Support =
  | { readonly state: 'supported' }
  | { readonly state: 'planned'; readonly area: string; readonly risk?: string }
  | { readonly state: 'not-applicable'; readonly why: string };

/**
 * How the command line takes the setting.
 * - `value`: `--flag VALUE`.
 * - `switch`: `--flag` alone means `switchValue` (true unless said otherwise, e.g. `--no-sendfile`).
 * - `list`: `--flag VALUE`, repeatable; the values accumulate.
 * - `optional`: `--flag [VALUE]`; alone it means `switchValue`.
 */
export type Arity = 'value' | 'switch' | 'list' | 'optional';

export interface Setting<A> {
  /** camelCase: the key in config files and the name `--print-config` shows. */
  readonly name: string;
  /** Gunicorn's snake_case name, accepted as a config-file key too. */
  readonly gunicorn?: string;
  /** Gunicorn's spellings first, then any kebab-case alias; empty for config-file-only settings. */
  readonly flags: readonly string[];
  readonly metavar?: string;
  readonly arity: Arity;
  /** For `switch` and `optional`: what the bare flag means. */
  readonly switchValue?: unknown;
  readonly codec: Codec<A>;
  /** How `--print-config` and the docs show a value; JSON by default, functions by name. */
  readonly show?: (value: A) => string;
  readonly default: (env: NodeJS.ProcessEnv) => DefaultValue;
  readonly section: Section;
  /** One line for `--help` and the reference; more lines after a blank line go to the reference only. */
  readonly doc: string;
  readonly support: Support;
}

/** Declare a setting (an identity function that fixes the value type). */
export const setting = <A>(s: Setting<A>): Setting<A> => s;

/** A default that reads nothing. */
export const constant = (value: unknown) => (): DefaultValue => ({ value });

/** A default read from `env[name]` when set, else `fallback`. */
export const fromEnv =
  (name: string, fallback: unknown) =>
  (env: NodeJS.ProcessEnv): DefaultValue =>
    env[name] !== undefined && env[name] !== '' ? { value: env[name], env: name } : { value: fallback };

export const supported: Support = { state: 'supported' };
export const planned = (area: string): Support => ({ state: 'planned', area });
/** Planned, with a security meaning: setting it refuses to start, saying what would go wrong (`risk`). */
export const plannedSecure = (area: string, risk: string): Support => ({ state: 'planned', area, risk });
export const notApplicable = (why: string): Support => ({ state: 'not-applicable', why });

/** The long flag, as messages name a setting on the command line (`--workers`). */
export const flagOf = (s: { readonly flags: readonly string[]; readonly name: string }): string =>
  s.flags.find((f) => f.startsWith('--')) ?? s.flags[0] ?? s.name;
