import { workflowInfo } from '@temporalio/workflow';
import { chunkWork } from './activities.js';
import type { DeleteInput, OperationOutcome, OperationProgress, OperationType } from './definitions.js';
import { runOperation } from './lifecycle.js';
import { continueInNewRun } from './new-run.js';

/** Deletes a bank: everything in it, then its row; the operation's own row stays readable. */
export async function deleteBankWorkflow(input: DeleteInput): Promise<OperationOutcome> {
  return runDelete('delete_bank', input, deleteBankWorkflow);
}

/** Deletes one document of a bank: its memories, their links and entity mentions. */
export async function deleteDocumentWorkflow(input: DeleteInput): Promise<OperationOutcome> {
  return runDelete('delete_document', input, deleteDocumentWorkflow);
}

/**
 * Waits its turn in the bank queue (deletes run alone there), counts what is left, then deletes it through
 * activities a slice at a time; progress is rows deleted of that count.
 */
function runDelete(
  type: Extract<OperationType, 'delete_bank' | 'delete_document'>,
  input: DeleteInput,
  self: (input: DeleteInput) => Promise<OperationOutcome>,
): Promise<OperationOutcome> {
  const target = { operationId: input.operationId, bankId: input.bankId, documentId: input.documentId };
  return runOperation(type, input, {
    params: input.documentId === undefined ? {} : { document_id: input.documentId },
    work: async (state: OperationProgress) => {
      if (!input.resume) state.total = (await chunkWork.prepareDelete(target)).total;
      for (;;) {
        const slice = await chunkWork.deleteRows(target);
        state.progress += slice.deleted;
        if (slice.done) return;
        if (workflowInfo().continueAsNewSuggested) {
          await continueInNewRun<typeof self>({
            ...input,
            resume: { progress: state.progress, total: state.total },
          });
        }
      }
    },
  });
}
