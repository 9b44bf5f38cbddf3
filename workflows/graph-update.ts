import { workflowInfo } from '@temporalio/workflow';
import { bookkeeping, chunkWork } from './activities.js';
import type { GraphUpdateInput, OperationOutcome } from './definitions.js';
import { runOperation } from './lifecycle.js';
import { continueInNewRun } from './new-run.js';

/** Links the bank's memories (entity, temporal and similarity links), a chunk of unlinked memories at a time. */
export async function graphUpdateWorkflow(input: GraphUpdateInput): Promise<OperationOutcome> {
  let cutoff = input.resume?.cutoff;
  let linksCreated = input.resume?.totals?.linksCreated ?? 0;
  return runOperation('graph_update', input, {
    params: { full_rebuild: input.fullRebuild ?? false },
    work: async (state) => {
      if (!cutoff) {
        const prepared = await bookkeeping.prepareGraphUpdate({
          operationId: input.operationId,
          bankId: input.bankId,
          fullRebuild: input.fullRebuild ?? false,
        });
        cutoff = prepared.cutoff;
        state.total = prepared.total;
      }
      while (state.progress < state.total) {
        if (workflowInfo().continueAsNewSuggested) {
          await continueInNewRun<typeof graphUpdateWorkflow>({
            ...input,
            resume: { progress: state.progress, total: state.total, cutoff, totals: { linksCreated } },
          });
        }
        const chunk = await chunkWork.graphChunk({
          operationId: input.operationId,
          bankId: input.bankId,
          cutoff,
          limit: Math.min(input.chunkSize ?? 200, state.total - state.progress),
          progressBefore: state.progress,
          linksCreatedBefore: linksCreated,
        });
        if (chunk.processed === 0) break; // memories deleted meanwhile (a document was replaced)
        state.progress += chunk.processed;
        linksCreated += chunk.linksCreated;
      }
    },
  });
}
