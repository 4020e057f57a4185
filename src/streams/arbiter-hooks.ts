/**
 * The names of the server hooks that run in the arbiter process (the others run in workers).
 *
 * In a file of their own so that the arbiter's state can name them without importing the
 * commands (which import the state): the pure layer has no import cycles, not even of types.
 *
 * @example
 * ARBITER_HOOKS.includes('whenReady') // true
 */
export const ARBITER_HOOKS = [
  'whenReady',
  'preFork',
  'childExit',
  'nworkersChanged',
  'onExit',
  'onReload',
  'preExec',
] as const;
export type ArbiterHook = (typeof ARBITER_HOOKS)[number];
