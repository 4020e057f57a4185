/**
 * How many connections wait in the listen backlog of the arbiter's TCP listeners: Gunicorn's
 * `--enable-backlog-metric`, on Linux.
 *
 * Gunicorn reads `TCP_INFO` on each listening socket; Node has no `getsockopt`, so this reads the
 * same number from `/proc/net/tcp` and `/proc/net/tcp6`: for a socket in the LISTEN state
 * (`st` 0A) the `rx_queue` column is its accept queue, the connections the kernel has completed and
 * no worker has accepted yet. Unix sockets have no such column and are not counted, as in Gunicorn.
 *
 * @example
 * const waiting = backlogOf([8000]); // 0 when the workers keep up; undefined off Linux
 */
import { readFileSync } from 'node:fs';

const TABLES = ['/proc/net/tcp', '/proc/net/tcp6'];
const LISTEN = '0A';

/** The TCP ports of listeners, from their labels (`http://127.0.0.1:8000`). */
export function tcpPorts(labels: readonly string[]): number[] {
  return labels.flatMap((label) => {
    const m = /^http:\/\/.*:(\d+)$/.exec(label);
    return m ? [Number(m[1])] : [];
  });
}

/**
 * The connections waiting to be accepted on `ports`, summed; undefined where `/proc/net/tcp`
 * cannot be read (not Linux).
 */
export function backlogOf(ports: readonly number[], tables: readonly string[] = TABLES): number | undefined {
  const wanted = new Set(ports);
  let total = 0;
  let read = false;
  for (const table of tables) {
    let text: string;
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    read = true;
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue …
      const [, local, , state, queues] = line.trim().split(/\s+/);
      if (state !== LISTEN || !local || !queues) continue;
      const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      if (!wanted.has(port)) continue;
      total += Number.parseInt(queues.slice(queues.indexOf(':') + 1), 16);
    }
  }
  return read ? total : undefined;
}
