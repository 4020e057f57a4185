/**
 * The arbiter's metrics (StatsD, Prometheus) across its life: started once the listeners are
 * bound, rebuilt by a HUP whose configuration changes a metrics setting (as Gunicorn 26.1 re-runs
 * its logger setup, StatsD included), closed at exit.
 *
 * Why a holder: the error log counts its lines (`log.*`) from before the metrics exist, and the
 * arbiter's step emits worker counts for the whole run; both go through here to whatever metrics
 * are current. A HUP that leaves the metrics settings alone keeps the totals and the endpoint.
 *
 * @example
 * const instruments = arbiterInstruments();
 * instruments.start(config, logger, ['http://127.0.0.1:8000']);
 */
import { arbiterMetrics, type ArbiterMetrics } from '../effects/arbiter-metrics';
import type { Logger } from '../effects/logger';
import type { Command, LogLevel } from '../streams/commands';
import type { Config } from './settings/index';

/** The settings that make the arbiter's metrics what they are. */
const METRICS_SETTINGS = ['statsdHost', 'statsdPrefix', 'dogstatsdTags', 'metricsBind', 'enableBacklogMetric'] as const;
const metricsKey = (config: Config) => JSON.stringify(METRICS_SETTINGS.map((k) => config[k]));

export interface ArbiterInstruments {
  onLog(level: LogLevel, message: string): void;
  metric(command: Extract<Command, { type: 'CountWorkers' | 'CountRestart' }>): void;
  /** Once the listeners are bound (the backlog metric reads their ports). */
  start(config: Config, logger: Logger, listenerLabels: readonly string[]): void;
  /** HUP: the metrics of `next`, when its metrics settings differ. */
  replace(next: Config, logger: Logger): void;
  close(): void;
}

export function arbiterInstruments(): ArbiterInstruments {
  let metrics: ArbiterMetrics | undefined;
  let key = '';
  let labels: readonly string[] = [];
  return {
    onLog: (level, message) => metrics?.onLog(level, message),
    metric: (command) => metrics?.metric(command),
    start(config, logger, listenerLabels) {
      labels = listenerLabels;
      key = metricsKey(config);
      metrics = arbiterMetrics(config as unknown as Record<string, unknown>, logger, labels);
    },
    replace(next, logger) {
      if (metricsKey(next) === key) return;
      metrics?.close();
      key = metricsKey(next);
      metrics = arbiterMetrics(next as unknown as Record<string, unknown>, logger, labels);
    },
    close: () => metrics?.close(),
  };
}
