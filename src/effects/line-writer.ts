/**
 * A writable stream that hands on whole lines only: what a worker prints, captured
 * (`--capture-output`) into the error log, where several workers' output meets.
 *
 * A chunk read from a pipe may end in the middle of a line; the rest of that line waits for the
 * next chunk (or for the end of the stream), so lines from two workers never run into each other.
 *
 * @example
 * child.stdout.pipe(lineWriter((text) => errorLog.raw(text)));
 */
import { Writable } from 'node:stream';

/** The longest partial line kept waiting for its end; longer is written as it is. */
const MAX_PENDING = 64 * 1024;

export function lineWriter(write: (text: string) => void): Writable {
  let pending = '';
  return new Writable({
    decodeStrings: false,
    write(chunk: Buffer | string, _encoding, done) {
      const text = pending + chunk.toString();
      const end = text.lastIndexOf('\n') + 1;
      if (end > 0) write(text.slice(0, end));
      pending = text.slice(end);
      if (pending.length > MAX_PENDING) {
        write(`${pending}\n`);
        pending = '';
      }
      done();
    },
    final(done) {
      if (pending) write(`${pending}\n`);
      pending = '';
      done();
    },
  });
}
