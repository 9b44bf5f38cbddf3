import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { metrics } from '../metrics.js';
import { annotateSpan } from '../tracing/index.js';

/** Which operation type a chunk activity's `processed` count belongs to. */
const ITEMS_OF: Record<string, string> = {
  retainChunk: 'batch_retain',
  graphChunk: 'graph_update',
  observationsChunk: 'regenerate_observations',
};

/**
 * A worker interceptor that records each activity attempt's duration (and, when tracing, names the operation
 * and bank on its span), and reads the few results that carry operation-level facts: an operation started,
 * finished, or processed items. Listed after the tracing interceptors, so the attempt's span is current.
 */
export const activityMetrics: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      const name = ctx.info.activityType;
      annotateSpan(input.args[0]);
      const stop = metrics.activityDuration.startTimer({ activity: name });
      let outcome = 'failed';
      try {
        const result = await next(input);
        outcome = 'completed';
        observeResult(name, input.args[0], result);
        return result;
      } finally {
        stop({ outcome });
      }
    },
  },
});

function observeResult(name: string, input: unknown, result: unknown): void {
  const type = ITEMS_OF[name];
  const processed = (result as { processed?: unknown } | undefined)?.processed;
  if (type && typeof processed === 'number' && processed > 0) metrics.itemsProcessed.inc({ type }, processed);
  if (name === 'joinBankQueue') {
    const entryType = (input as { entry?: { type?: unknown } } | undefined)?.entry?.type;
    if (typeof entryType === 'string') metrics.operationsStarted.inc({ type: entryType });
  }
  if (name === 'finishOperation') {
    const inputType = (input as { type?: unknown } | undefined)?.type;
    const status = (result as { status?: unknown } | undefined)?.status;
    if (typeof inputType === 'string' && typeof status === 'string') {
      metrics.operationsFinished.inc({ type: inputType, status });
    }
  }
}
