/**
 * How `--print-config` and the docs show values whose JSON would hide what they mean.
 *
 * @example
 * octal(0o600) // '0o600'
 * octal(0o22)  // '0o022'
 */

/** A file mode or umask in octal, as people write them. */
export const octal = (n: number): string => `0o${n.toString(8).padStart(3, '0')}`;
