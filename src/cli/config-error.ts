/**
 * A failure at the boot edge, already worded as the one line the user sees, with its exit code.
 *
 * Superseded by `RunicornError` from `streams/errors`, which also carries a stable code: new
 * code calls `runicornError(code, params)`. This class stays only until the remaining sites
 * (config file, settings decoding, chdir, boot) are converted; it then goes.
 *
 * @deprecated Use `runicornError(code, params)` from `streams/errors`.
 * @example
 * throw new BootError('--workers must be a positive integer, got "abc"', ExitCode.Config);
 */
import { ExitCode } from '../streams/exit-codes';

export class BootError extends Error {
  constructor(message: string, readonly exitCode: number = ExitCode.Config) {
    super(message);
  }
}
