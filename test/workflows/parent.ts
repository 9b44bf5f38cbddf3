// Workflows of "another Temporal application" that run a batch retain as their child.
import { executeChild, startChild } from '@temporalio/workflow';
import { batchRetainWorkflow, operationChildOptions, type RetainItemInput } from '../../workflows/public.js';

interface ChildRetain {
  bankId: string;
  operationId: string;
  taskQueue: string;
  items: RetainItemInput[];
}

function childRetain({ bankId, operationId, taskQueue, items }: ChildRetain) {
  return {
    ...operationChildOptions({ type: 'batch_retain', bankId, operationId, taskQueue }),
    args: [{ bankId, operationId, items, chunkSize: 5 }] as [Parameters<typeof batchRetainWorkflow>[0]],
  };
}

export async function ingestAsChild(input: ChildRetain): Promise<string> {
  return (await executeChild(batchRetainWorkflow, childRetain(input))).status;
}

/** Starts the child and waits for it, so the test can cancel it through the API meanwhile. */
export async function startRetainChild(input: ChildRetain): Promise<string> {
  const child = await startChild(batchRetainWorkflow, childRetain(input));
  return (await child.result()).status;
}
