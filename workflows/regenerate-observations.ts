import { CancellationScope, workflowInfo } from '@temporalio/workflow';
import { abandonModelCalls, bookkeeping, chunkWork, modelCalls } from './activities.js';
import type { ModelSteps, OperationOutcome, RegenerateObservationsInput } from './definitions.js';
import { runOperation } from './lifecycle.js';
import { continueInNewRun } from './new-run.js';

/**
 * Asks the chat model for the observations of the next chunk's entities, one stored call each (entities whose
 * answer is stored already are not asked again); the first failing call cancels the others.
 */
async function observeWithModel(
  models: ModelSteps,
  next: { operationId: string; bankId: string; entityIds: string[] | null; afterId: string; limit: number },
): Promise<void> {
  const calls = modelCalls(models);
  await CancellationScope.cancellable(async () => {
    const waiting = await chunkWork.entitiesAwaitingModel(next);
    try {
      await Promise.all(
        waiting.map((entityId) => calls.observeEntityWithModel({ operationId: next.operationId, entityId })),
      );
    } catch (err) {
      throw abandonModelCalls(err, models);
    }
  });
}

/** Rewrites the observation (summary) of each entity of the bank, or of the listed ones, in id order. */
export async function regenerateObservationsWorkflow(
  input: RegenerateObservationsInput,
): Promise<OperationOutcome> {
  let afterId = input.resume?.afterId ?? '';
  let updated = input.resume?.totals?.observationsUpdated ?? 0;
  const entityIds = input.entityIds ?? null;
  return runOperation('regenerate_observations', input, {
    params: entityIds ? { entity_ids: entityIds } : {},
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
          await continueInNewRun<typeof regenerateObservationsWorkflow>({
            ...input,
            resume: {
              progress: state.progress,
              total: state.total,
              afterId,
              totals: { observationsUpdated: updated },
            },
          });
        }
        const next = {
          operationId: input.operationId,
          bankId: input.bankId,
          entityIds,
          afterId,
          limit: input.chunkSize ?? 100,
        };
        if (input.models?.chat) await observeWithModel(input.models, next);
        const chunk = await chunkWork.observationsChunk({
          ...next,
          progressBefore: state.progress,
          updatedBefore: updated,
          modelObservations: input.models?.chat === true,
        });
        if (chunk.processed === 0) break; // fewer entities than counted (a document was replaced)
        state.progress += chunk.processed;
        updated += chunk.updated;
        afterId = chunk.lastId;
      }
    },
  });
}
