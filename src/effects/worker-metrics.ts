/**
 * A worker's metrics: Gunicorn's StatsD request metrics, and its share of the Prometheus
 * endpoint, which it hands the arbiter over IPC when asked.
 *
 * Per request, and only for what is configured: StatsD appends three lines to a buffer
 * (`runicorn.requests`, `runicorn.request.duration`, `runicorn.request.status.<code>`);
 * Prometheus adds to `runicorn_requests_total{method,status}`, observes
 * `runicorn_request_duration_seconds` and moves `runicorn_requests_in_flight`. With neither
 * configured there is no observer at all, so a request costs nothing more.
 *
 * The Node process metrics (`collectDefaultMetrics`) carry `worker="<id>"` (Gunicorn's age), so
 * they stay apart per worker once the arbiter sums the request metrics of all workers.
 *
 * @example
 * const metrics = workerMetrics(options, logger);
 * runPipelineWith([...observers, ...metrics.observers]);
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { promClient } from './lazy-modules';
import type { LogLevel } from '../streams/commands';
import { errorLine } from './error-text';
import type { Logger } from './logger';
import { logCounter, metricsSettingsOf } from './metrics-settings';
import type { RequestObserver } from './request-observer';
import { statsdClient, type Statsd } from './statsd';
import type { ArbiterMessage, WorkerMessage, WorkerOptions } from './worker-options';

export interface WorkerMetrics {
  /** Watch every request (none when no metrics are configured). */
  readonly observers: readonly RequestObserver[];
  /** Count a log line (StatsD `log.*`); give it to the worker's logger. */
  onLog(level: LogLevel, message: string): void;
  /**
   * Before the worker exits: send the StatsD lines gathered so far, and the Prometheus registry
   * as it ends (the arbiter keeps it, so requests served since the last scrape still count).
   */
  close(): Promise<void>;
}

const none: WorkerMetrics = { observers: [], onLog: () => undefined, close: async () => undefined };

/** How long an exiting worker waits to hand its last metrics to the arbiter. */
const FINAL_WAIT_MS = 300;

/** Send the registry as it ends to the arbiter; resolves once written, or after `FINAL_WAIT_MS`. */
function sendFinal(registry: Registry): Promise<void> {
  const sent = registry.getMetricsAsJSON().then(
    (metrics) =>
      new Promise<void>((resolve) => {
        if (!process.send || !process.connected) return resolve();
        const final: WorkerMessage = { t: 'metrics-final', metrics };
        process.send(final, undefined, {}, () => resolve());
      }),
  );
  const bounded = new Promise<void>((resolve) => setTimeout(resolve, FINAL_WAIT_MS).unref());
  return Promise.race([sent.catch(() => undefined), bounded]);
}

/** Gunicorn's three request metrics, per request. */
function statsdObserver(statsd: Statsd): RequestObserver {
  return {
    done(_req: IncomingMessage, res: ServerResponse, startedAt: number) {
      statsd.increment('requests');
      statsd.timing('request.duration', performance.now() - startedAt);
      statsd.increment(`request.status.${res.statusCode}`);
    },
  };
}

/** The worker's Prometheus registry: request metrics, and its Node process metrics labelled by worker. */
export function workerRegistry(id: number) {
  const { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } = promClient();
  const registry = new Registry();
  const requests = new Counter({
    name: 'runicorn_requests_total',
    help: 'Requests answered, by method and status code.',
    labelNames: ['method', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'runicorn_request_duration_seconds',
    help: 'Time from a request arriving in a worker until its response finished (or its client left).',
    registers: [registry],
  });
  // Counted in plain numbers on the request's path; the gauge reads them when scraped.
  let inFlightNow = 0;
  new Gauge({
    name: 'runicorn_requests_in_flight',
    help: 'Requests arrived and not yet done.',
    registers: [registry],
    collect() {
      this.set(inFlightNow);
    },
  });
  collectDefaultMetrics({ register: registry, labels: { worker: String(id) } });
  // One child counter per method and status, found by a string key: prom-client would otherwise
  // hash the label object on every request.
  const children = new Map<string, { inc(): void }>();
  const requestsFor = (method: string, status: number) => {
    const key = `${method} ${status}`;
    let child = children.get(key);
    if (!child) {
      child = requests.labels(method, String(status));
      children.set(key, child);
    }
    return child;
  };
  const observer: RequestObserver = {
    begin() {
      inFlightNow += 1;
    },
    done(req: IncomingMessage, res: ServerResponse, startedAt: number) {
      inFlightNow -= 1;
      requestsFor(req.method ?? '', res.statusCode).inc();
      duration.observe((performance.now() - startedAt) / 1000);
    },
  };
  return { registry, observer };
}

/** Answer the arbiter's scrapes (`{ t: 'metrics', id }`) with the registry as JSON. */
function answerScrapes(registry: Registry, logger: Logger): void {
  let warned = false;
  process.on('message', (message: ArbiterMessage) => {
    if (message?.t !== 'metrics' || !process.send) return;
    registry
      .getMetricsAsJSON()
      .then((metrics) => {
        const answer: WorkerMessage = { t: 'metrics', id: message.id, metrics };
        if (process.connected) process.send?.(answer);
      })
      .catch((err: unknown) => {
        if (warned) return;
        warned = true;
        logger.log('warning', `Cannot gather metrics for the arbiter: ${errorLine(err)}`);
      });
  });
}

/**
 * The metrics this worker's configuration asks for; `none` (nothing per request) when it asks for
 * neither StatsD nor Prometheus.
 */
export function workerMetrics(options: Pick<WorkerOptions, 'config' | 'id'>, logger: Logger): WorkerMetrics {
  const settings = metricsSettingsOf(options.config);
  if (settings.statsdHost === null && settings.metricsBind === null) return none;
  const observers: RequestObserver[] = [];
  let statsd: Statsd | undefined;
  if (settings.statsdHost !== null) {
    statsd = statsdClient({
      host: settings.statsdHost,
      prefix: settings.statsdPrefix,
      tags: settings.dogstatsdTags,
      buffered: true,
      warn: (message) => logger.log('warning', message),
    });
    observers.push(statsdObserver(statsd));
  }
  let registry: Registry | undefined;
  if (settings.metricsBind !== null) {
    const made = workerRegistry(options.id);
    registry = made.registry;
    observers.push(made.observer);
    answerScrapes(made.registry, logger);
  }
  return {
    observers,
    onLog(level, message) {
      const counter = statsd && logCounter(level, message);
      if (counter) statsd?.increment(counter);
    },
    close() {
      statsd?.close();
      return registry ? sendFinal(registry) : Promise.resolve();
    },
  };
}
