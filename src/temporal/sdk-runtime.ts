import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import type { Logger } from '../logger.js';

let installed = false;

/**
 * The Temporal SDK's process-wide runtime, installed once, before the first worker or native connection:
 * its log lines (bundler, worker state, the native core's) go through our logger, and when an address is
 * given it serves the worker's own Prometheus metrics (task slots, poll and schedule-to-start latencies,
 * sticky cache).
 */
export function installSdkRuntime(logger: Logger, metricsAddress?: string): void {
  if (installed) return;
  installed = true;
  const sdkLogger = new DefaultLogger('WARN' as LogLevel, ({ level, message, meta }) => {
    if (level === 'ERROR') logger.error({ ...meta, sdk: true }, message);
    else logger.warn({ ...meta, sdk: true }, message);
  });
  Runtime.install({
    logger: sdkLogger,
    // The service handles its own signals: it drains the worker itself, and a signal during start-up must stop
    // what has started rather than leave the SDK alone marked as shutting down.
    shutdownSignals: [],
    telemetryOptions: {
      // The native core's warnings (a server that went away, retried polls) would otherwise go straight to
      // stderr as plain text beside our JSON lines.
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}),
    },
  });
  if (metricsAddress)
    logger.info({ address: `http://${metricsAddress}/metrics` }, 'Temporal worker metrics exported');
}
