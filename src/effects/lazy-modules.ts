/**
 * Metrics libraries, loaded on first use. prom-client takes about 50 ms to load and hot-shots
 * about 7 ms; every worker and the arbiter would pay that at each start, though most runs never
 * turn metrics on.
 *
 * @example
 * const { Counter, Registry } = promClient();
 */
import type * as PromClient from 'prom-client';
import type HotShots from 'hot-shots';

let prom: typeof PromClient | undefined;
let hotShots: typeof HotShots | undefined;

/** prom-client, loaded now if it was not yet. */
export const promClient = (): typeof PromClient => {
  prom ??= require('prom-client') as typeof PromClient;
  return prom;
};

/** hot-shots' client class, loaded now if it was not yet. */
export const hotShotsClient = (): typeof HotShots => {
  hotShots ??=
    (require('hot-shots') as { default?: typeof HotShots } & typeof HotShots).default
    ?? (require('hot-shots') as typeof HotShots);
  return hotShots;
};
