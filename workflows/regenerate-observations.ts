import { allHandlersFinished, condition, continueAsNew, workflowInfo } from '@temporalio/workflow';
import { bookkeeping, chunkWork } from './activities.js';
import type { RegenerateObservationsInput } from './definitions.js';
import { type OperationOutcome, runOperation } from './lifecycle.js';

/** Rewrites the observation (summary) of each entity of the bank, or of the listed ones, in id order. */
export async function regenerateObservationsWorkflow(
  input: RegenerateObservationsInput,
): Promise<OperationOutcome> {
  let afterId = input.resume?.afterId ?? '';
  let updated = input.resume?.totals?.observationsUpdated ?? 0;
  const entityIds = input.entityIds ?? null;
  return runOperation('regenerate_observations', input, {
    register: () =>
      bookkeeping.registerOperation({
        operationId: input.operationId,
        bankId: input.bankId,
        type: 'regenerate_observations',
        workflowId: workflowInfo().workflowId,
        createdAt: workflowInfo().startTime.toISOString(),
        params: entityIds ? { entity_ids: entityIds } : {},
      }),
    work: async (state) => {
      if (!input.resume) {
        state.total = await bookkeeping.prepareObservations({
          operationId: input.operationId,
          bankId: input.bankId,
          entityIds,
        });
      }
      while (state.progress < state.total) {
        if (workflowInfo().continueAsNewSuggested) {
          await condition(allHandlersFinished);
          await continueAsNew<typeof regenerateObservationsWorkflow>({
            ...input,
            resume: {
              progress: state.progress,
              total: state.total,
              afterId,
              totals: { observationsUpdated: updated },
            },
          });
        }
        const chunk = await chunkWork.observationsChunk({
          operationId: input.operationId,
          bankId: input.bankId,
          entityIds,
          afterId,
          limit: input.chunkSize ?? 100,
          progressBefore: state.progress,
          updatedBefore: updated,
        });
        if (chunk.processed === 0) break; // fewer entities than counted (a document was replaced)
        state.progress += chunk.processed;
        updated += chunk.updated;
        afterId = chunk.lastId;
      }
    },
  });
}
