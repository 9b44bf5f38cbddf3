// The same change as patched.ts without the patch: an execution started before it finds a command in its
// history where this code now makes another one, and cannot go on (a non-determinism error).
import { upsertMemo } from '@temporalio/workflow';
import { batchRetainWorkflow as released } from '../../../workflows/batch-retain.js';
import type { BatchRetainInput } from '../../../workflows/definitions.js';

export {
  bankQueueWorkflow,
  graphUpdateWorkflow,
  regenerateObservationsWorkflow,
  webhookDeliveryWorkflow,
} from '../../../workflows/index.js';

export async function batchRetainWorkflow(input: BatchRetainInput) {
  upsertMemo({ retainPath: 'changed' });
  return released(input);
}
