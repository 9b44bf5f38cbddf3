import { type OperationType, operationWorkflowId } from './definitions.js';
import { BANK_ID, OPERATION_STATUS, OPERATION_TYPE } from './search-attributes.js';

export const DEFAULT_TASK_QUEUE = 'hindsight';

/**
 * Options for starting an operation as a child of another workflow, so it shows in the API and the
 * Temporal UI exactly like one submitted over HTTP:
 *
 *   await executeChild(batchRetainWorkflow, {
 *     ...operationChildOptions({ type: 'batch_retain', bankId, operationId }),
 *     args: [{ bankId, operationId, items }],
 *   });
 */
export function operationChildOptions(o: {
  type: OperationType;
  bankId: string;
  operationId: string;
  taskQueue?: string;
}) {
  return {
    workflowId: operationWorkflowId(o.type, o.bankId, o.operationId),
    taskQueue: o.taskQueue ?? DEFAULT_TASK_QUEUE,
    typedSearchAttributes: [
      { key: BANK_ID, value: o.bankId },
      { key: OPERATION_TYPE, value: o.type },
      { key: OPERATION_STATUS, value: 'pending' },
    ],
    memo: { bankId: o.bankId, operationId: o.operationId, type: o.type },
  };
}
