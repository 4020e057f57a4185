/**
 * One Prometheus scrape in the arbiter: ask every live worker for its registry over IPC, wait a
 * short while, and sum what came back with the arbiter's own metrics
 * (`AggregatorRegistry.aggregate`, prom-client's static merge; not its `cluster` helper, which
 * needs `cluster.fork()` workers, and no temporary files).
 *
 * Why a scrape never blocks or goes backwards:
 * - each worker gets `SCRAPE_WAIT_MS`; one that does not answer in time (busy, stuck, exiting)
 *   is counted with its last answer, so its requests neither vanish nor hold the scrape;
 * - a worker that has gone leaves its last counters and histograms behind (`retired`), so
 *   `runicorn_requests_total` never drops when a worker is replaced. A worker that exits on its
 *   own terms (a drain, max-requests, a reload) sends its registry as it ends, so the requests it
 *   served after its last scrape count too; only a worker killed outright (SIGKILL, a timeout)
 *   loses those.
 * - The worker-labelled process metrics are kept apart per worker: their aggregator is `first`
 *   where prom-client would average or omit them, since no two workers share a label set.
 *
 * @example
 * const scrape = metricsScrape(() => arbiterRegistry.getMetricsAsJSON());
 * res.end(await scrape.text());
 */
import type { ChildProcess } from 'node:child_process';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { promClient } from './lazy-modules';
import { liveWorkers, takeFinals } from './worker-channels';
import type { ArbiterMessage, WorkerMessage } from './worker-options';

type MetricJson = MetricObjectWithValues<MetricValue<string>> & { aggregator?: string };

/** How long a scrape waits for a worker's answer. */
export const SCRAPE_WAIT_MS = 500;

let nextId = 0;

/** Worker `child`'s metrics as JSON, or undefined if it does not answer within `waitMs`. */
export function askWorker(child: ChildProcess, waitMs: number): Promise<MetricJson[] | undefined> {
  return new Promise((resolve) => {
    if (!child.connected) return resolve(undefined);
    nextId += 1;
    const id = nextId;
    const done = (answer: MetricJson[] | undefined) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onGone);
      resolve(answer);
    };
    const onMessage = (message: WorkerMessage) => {
      if (message?.t === 'metrics' && message.id === id) done(message.metrics as MetricJson[]);
    };
    const onGone = () => done(undefined);
    const timer = setTimeout(onGone, waitMs);
    child.on('message', onMessage);
    child.once('exit', onGone);
    try {
      const ask: ArbiterMessage = { t: 'metrics', id };
      child.send(ask, (err) => {
        if (err) onGone();
      });
    } catch {
      onGone();
    }
  });
}

const isCumulative = (m: MetricJson) => ['counter', 'histogram'].includes(String(m.type));
const perWorker = (m: MetricJson) => m.values.some((v) => v.labels && 'worker' in v.labels);

/** Keep each worker's process metrics apart: prom-client's average, min, max or omit would merge or drop them. */
const keepApart = (metrics: readonly MetricJson[]): MetricJson[] =>
  metrics.map((m) => (perWorker(m) ? { ...m, aggregator: 'first' } : m));

export interface MetricsScrape {
  /** The whole exposition text, with its content type. */
  collect(): Promise<{ readonly contentType: string; readonly text: string }>;
}

/** A scrape over the live workers and the arbiter's own registry (`own`). */
export function metricsScrape(own: () => Promise<MetricJson[]>, waitMs = SCRAPE_WAIT_MS): MetricsScrape {
  // The last answer of each worker, by pid; and what gone workers had counted, summed.
  const last = new Map<number, MetricJson[]>();
  let retired: MetricJson[] = [];
  const retire = async (gone: readonly MetricJson[][]) => {
    if (gone.length === 0) return;
    const kept = gone.map((metrics) => metrics.filter((m) => isCumulative(m) && !perWorker(m)));
    retired = (await promClient()
      .AggregatorRegistry.aggregate([retired, ...kept])
      .getMetricsAsJSON()) as MetricJson[];
  };
  return {
    async collect() {
      // A worker's last metrics, sent as it exited, replace its last answer.
      for (const [pid, metrics] of takeFinals()) last.set(pid, metrics as MetricJson[]);
      const live = [...liveWorkers()];
      const answers = await Promise.all(live.map(([, child]) => askWorker(child, waitMs)));
      live.forEach(([pid], i) => {
        const answer = answers[i];
        if (answer) last.set(pid, answer);
      });
      const alive = new Set(live.map(([pid]) => pid));
      const gone = [...last.keys()].filter((pid) => !alive.has(pid));
      await retire(gone.map((pid) => last.get(pid) ?? []));
      for (const pid of gone) last.delete(pid);
      const registry = promClient().AggregatorRegistry.aggregate(
        [await own(), retired, ...last.values()].map((metrics) => keepApart(metrics)),
      );
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}
