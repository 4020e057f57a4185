/**
 * Process exit codes, stable and Gunicorn's: a supervisor (systemd, Kubernetes, a shell) can
 * tell a configuration mistake from a broken app without reading the log.
 *
 * @example
 * exit(ExitCode.AppLoadError); // a command the effects layer carries out
 */
export const ExitCode = {
  Ok: 0,
  /** Bad flag, bad config value, bind failure. */
  Config: 1,
  /** A worker failed before it could serve (not the app's fault). */
  WorkerBootError: 3,
  /** The app module or export could not be loaded. */
  AppLoadError: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
