/**
 * The arbiter's metrics: StatsD's `runicorn.workers` gauge and `runicorn.log.*` counters, and the
 * Prometheus endpoint (`--metrics-bind`) with `runicorn_workers`,
 * `runicorn_worker_restarts_total{reason}` and the sum of every worker's metrics.
 *
 * The endpoint is a `node:http` server of the arbiter's own, on its own address: the app's
 * listeners never see a scrape, and a scrape never waits on a worker for long (see
 * `metrics-scrape.ts`). It answers `GET /metrics` (and HEAD), 404 elsewhere. Its address may be
 * held by the old arbiter after a USR2: it is then tried again every second until free.
 *
 * @example
 * const metrics = arbiterMetrics(config, logger);
 * livePorts({ …, metric: metrics?.metric });
 */
import { createServer, type Server } from 'node:http';
import { promClient } from './lazy-modules';
import { RESTART_REASONS, type Command, type LogLevel } from '../streams/commands';
import { backlogOf, tcpPorts } from './backlog';
import { errorLine } from './error-text';
import type { Logger } from './logger';
import { logCounter, metricsSettingsOf } from './metrics-settings';
import { metricsScrape } from './metrics-scrape';
import { statsdClient, type Statsd } from './statsd';

export interface ArbiterMetrics {
  /** Count a log line of the arbiter (StatsD `log.*`). */
  onLog(level: LogLevel, message: string): void;
  /** A worker count or a restart, from the arbiter's step. */
  metric(command: Extract<Command, { type: 'CountWorkers' | 'CountRestart' }>): void;
  /** Stop serving `/metrics` and send what StatsD still holds. */
  close(): void;
}

/** How often a held `--metrics-bind` address is tried again. */
const RETRY_MS = 1_000;
/** How often the listen backlog is sent to StatsD (Gunicorn: each turn of its master loop, about a second). */
const BACKLOG_MS = 1_000;

const hostPort = (b: { host: string; port: number }) =>
  b.host.includes(':') ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`;

/** The arbiter's own Prometheus registry. */
function arbiterRegistry() {
  const { Counter, collectDefaultMetrics, Gauge, Registry } = promClient();
  const registry = new Registry();
  const workers = new Gauge({ name: 'runicorn_workers', help: 'Worker processes.', registers: [registry] });
  const restarts = new Counter({
    name: 'runicorn_worker_restarts_total',
    help: 'Workers that went while the arbiter ran on, by reason: exit, crash, timeout, max_requests, reload.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  // Every reason from the start, at 0, so a rate() over it has a series before the first restart.
  for (const reason of RESTART_REASONS) restarts.inc({ reason }, 0);
  collectDefaultMetrics({ register: registry, labels: { worker: 'arbiter' } });
  return { registry, workers, restarts };
}

/** Serve `/metrics` at `bind`; a held address is retried, any other failure logged once. */
function serveMetrics(bind: { host: string; port: number }, collect: ReturnType<typeof metricsScrape>, logger: Logger) {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    collect.collect().then(
      ({ contentType, text }) =>
        res.writeHead(200, { 'content-type': contentType }).end(req.method === 'HEAD' ? '' : text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${errorLine(err)}\n`),
    );
  });
  let retry: NodeJS.Timeout | undefined;
  let said = false;
  server.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') {
      if (!said) logger.log('warning', `Metrics address ${hostPort(bind)} is in use; trying again every second`);
      said = true;
      retry = setTimeout(() => server.listen(bind.port, bind.host), RETRY_MS);
      retry.unref();
      return;
    }
    logger.log('error', `Cannot serve metrics at ${hostPort(bind)}: ${errorLine(err)}`);
  });
  server.on('listening', () => logger.log('info', `Serving metrics at: http://${hostPort(bind)}/metrics`));
  server.listen(bind.port, bind.host);
  // The endpoint never keeps the arbiter alive on its own.
  server.unref();
  return () => {
    if (retry) clearTimeout(retry);
    server.close();
    server.closeAllConnections();
  };
}

/**
 * The arbiter's metrics for `config`, or undefined when neither StatsD nor Prometheus is
 * configured (then the arbiter has no metric port and its step emits no metric command).
 */
export function arbiterMetrics(
  config: Readonly<Record<string, unknown>>,
  logger: Logger,
  listenerLabels: readonly string[] = [],
): ArbiterMetrics | undefined {
  const settings = metricsSettingsOf(config);
  const wantsBacklog = config.enableBacklogMetric === true;
  if (settings.statsdHost === null && settings.metricsBind === null) {
    if (wantsBacklog)
      logger.log('warning', '--enable-backlog-metric needs --statsd-host or --metrics-bind to report to');
    return undefined;
  }
  const statsd: Statsd | undefined =
    settings.statsdHost === null
      ? undefined
      : statsdClient({
          host: settings.statsdHost,
          prefix: settings.statsdPrefix,
          tags: settings.dogstatsdTags,
          buffered: false,
          warn: (message) => logger.log('warning', message),
        });
  const prometheus = settings.metricsBind === null ? undefined : arbiterRegistry();
  const stop =
    settings.metricsBind !== null && prometheus
      ? serveMetrics(
          settings.metricsBind,
          metricsScrape(() => prometheus.registry.getMetricsAsJSON()),
          logger,
        )
      : undefined;
  const ports = tcpPorts(listenerLabels);
  const backlog = () => backlogOf(ports);
  let sampling: NodeJS.Timeout | undefined;
  if (wantsBacklog) {
    if (backlog() === undefined)
      logger.log('warning', '--enable-backlog-metric works on Linux only; no backlog is reported');
    else {
      if (statsd) {
        sampling = setInterval(() => statsd.histogram('backlog', backlog() ?? 0), BACKLOG_MS);
        sampling.unref();
      }
      if (prometheus)
        new (promClient().Gauge)({
          name: 'runicorn_listen_backlog',
          help: 'Connections completed by the kernel and not yet accepted by a worker, over the TCP listeners.',
          registers: [prometheus.registry],
          collect() {
            this.set(backlog() ?? 0);
          },
        });
    }
  }
  return {
    onLog(level, message) {
      const counter = statsd && logCounter(level, message);
      if (counter) statsd?.increment(counter);
    },
    metric(c) {
      if (c.type === 'CountWorkers') {
        statsd?.gauge('workers', c.count);
        prometheus?.workers.set(c.count);
      } else prometheus?.restarts.inc({ reason: c.reason });
    },
    close() {
      if (sampling) clearInterval(sampling);
      stop?.();
      statsd?.close();
    },
  };
}
