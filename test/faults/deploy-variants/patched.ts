// Today's workflows with one deliberate change to batch retain, made the safe way: executions started before
// it replay without it (patched() is false for them), new ones take it. The new path is visible in the
// workflow's memo, as it would be in the Temporal UI.
import { patched, upsertMemo } from '@temporalio/workflow';
import { batchRetainWorkflow as released } from '../../../workflows/batch-retain.js';
import type { BatchRetainInput } from '../../../workflows/definitions.js';

export {
  bankQueueWorkflow,
  graphUpdateWorkflow,
  regenerateObservationsWorkflow,
  webhookDeliveryWorkflow,
} from '../../../workflows/index.js';

export async function batchRetainWorkflow(input: BatchRetainInput) {
  if (patched('retain-path-memo')) upsertMemo({ retainPath: 'changed' });
  return released(input);
}
