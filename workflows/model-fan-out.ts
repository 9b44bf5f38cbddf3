import { CancellationScope } from '@temporalio/workflow';
import { describeModelFailure } from './activities.js';
import type { ModelSteps } from './definitions.js';

/**
 * Runs one stored model call per key at once (the model task queue's rate limit paces them). The first call
 * that fails cancels the enclosing scope, so the others stop instead of paying for answers nobody will use,
 * and the failure says so when the provider stayed down for the whole outage window.
 */
export async function eachModelCall<K>(
  models: ModelSteps,
  keys: readonly K[],
  call: (key: K) => Promise<void>,
): Promise<void> {
  try {
    await Promise.all(keys.map(call));
  } catch (err) {
    CancellationScope.current().cancel();
    throw describeModelFailure(err, models);
  }
}
