/**
 * A failure at the boot edge, already worded as the one line the user sees, with its exit code.
 *
 * @example
 * throw new BootError('--workers must be a positive integer, got "abc"', ExitCode.Config);
 */
import { ExitCode } from '../streams/exit-codes';

export class BootError extends Error {
  constructor(message: string, readonly exitCode: number = ExitCode.Config) {
    super(message);
  }
}
