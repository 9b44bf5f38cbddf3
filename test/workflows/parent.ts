// A workflow of "another Temporal application" that runs a batch retain as its child.
import { executeChild, startChild } from '@temporalio/workflow';
import { batchRetainWorkflow, operationChildOptions, type RetainItemInput } from '../../workflows/public.js';

export async function ingestAsChild(input: {
  bankId: string;
  operationId: string;
  taskQueue: string;
  items: RetainItemInput[];
}): Promise<string> {
  const outcome = await executeChild(batchRetainWorkflow, {
    ...operationChildOptions({
      type: 'batch_retain',
      bankId: input.bankId,
      operationId: input.operationId,
      taskQueue: input.taskQueue,
    }),
    args: [{ bankId: input.bankId, operationId: input.operationId, items: input.items, chunkSize: 5 }],
  });
  return outcome.status;
}

/** Starts the child and returns while it still runs, so the test can cancel it through the API. */
export async function startRetainChild(input: {
  bankId: string;
  operationId: string;
  taskQueue: string;
  items: RetainItemInput[];
}): Promise<string> {
  const child = await startChild(batchRetainWorkflow, {
    ...operationChildOptions({
      type: 'batch_retain',
      bankId: input.bankId,
      operationId: input.operationId,
      taskQueue: input.taskQueue,
    }),
    args: [{ bankId: input.bankId, operationId: input.operationId, items: input.items, chunkSize: 5 }],
  });
  return (await child.result()).status;
}
