import { Runtime } from '@temporalio/worker';
import type { Logger } from '../logger.js';

let installedAt: string | undefined;

/**
 * Has the Temporal worker runtime serve its own Prometheus metrics (task slots, poll and schedule-to-start
 * latencies, sticky cache, activity and workflow counters). The runtime is a process-wide singleton that must
 * be configured before any worker connection exists, so this runs once, before the first worker is created.
 */
export function installWorkerMetrics(bindAddress: string, logger: Logger): void {
  if (installedAt !== undefined) {
    if (installedAt !== bindAddress)
      logger.warn({ installedAt, bindAddress }, 'worker metrics already exported elsewhere');
    return;
  }
  try {
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
    installedAt = bindAddress;
    logger.info({ address: `http://${bindAddress}/metrics` }, 'Temporal worker metrics exported');
  } catch (error) {
    // The runtime already started (a worker was created first): metrics stay off rather than stop the worker.
    logger.warn(
      { err: error, bindAddress },
      'Temporal worker metrics not exported: the runtime was already started',
    );
  }
}
