/**
 * Steady keep-alive load for integration tests: `clients` loops, each on its own keep-alive
 * connection (one agent with one socket), sending GET / as fast as answers come, until `stop()`
 * or until `total` requests were sent. Every answer (its body: the worker's pid in the examples)
 * and every failure is kept, so a test asserts that none was lost. Loopback only, and bounded.
 */
import http from 'node:http';

export interface SteadyLoad {
  /** Bodies of the 200 answers, in order. */
  readonly bodies: string[];
  /** One entry per request that failed: an error code, or `status N`. */
  readonly failed: string[];
  /** Resolves once `n` more answers (or failures) have come back than when it was called. */
  more(n: number): Promise<void>;
  /** Resolves once every loop has finished: `total` requests were sent and answered. */
  finished(): Promise<void>;
  /** Stop sending; resolves once every loop has finished its last request. */
  stop(): Promise<void>;
}

export function steadyLoad(
  port: number,
  clients: number,
  options: { total?: number; path?: (n: number) => string } = {},
): SteadyLoad {
  const bodies: string[] = [];
  const failed: string[] = [];
  const waiters = new Set<() => void>();
  const total = options.total ?? Infinity;
  let sent = 0;
  let running = true;
  const one = (agent: http.Agent) =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: options.path ? options.path(sent) : '/', agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => {
          if (res.statusCode === 200) bodies.push(body);
          else failed.push(`status ${res.statusCode}`);
          resolve();
        });
        res.on('error', (err) => {
          failed.push(err.message);
          resolve();
        });
      });
      req.on('error', (err) => {
        failed.push((err as NodeJS.ErrnoException).code ?? err.message);
        resolve();
      });
    });
  const loops = Array.from({ length: clients }, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (running && sent < total) {
      sent += 1;
      await one(agent);
      for (const w of [...waiters]) w();
    }
    agent.destroy();
  });
  const finished = Promise.all(loops).then(() => {
    for (const w of [...waiters]) w();
  });
  return {
    bodies,
    failed,
    more(n) {
      const target = bodies.length + failed.length + n;
      return new Promise((resolve) => {
        const check = () => {
          if (bodies.length + failed.length >= target || sent >= total) {
            waiters.delete(check);
            resolve();
          }
        };
        waiters.add(check);
        check();
      });
    },
    finished: () => finished,
    async stop() {
      running = false;
      await finished;
    },
  };
}
