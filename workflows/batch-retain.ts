import { CancellationScope, condition, isCancellation, workflowInfo } from '@temporalio/workflow';
import { abandonModelCalls, chunkWork, describeModelFailure, modelCalls } from './activities.js';
import type { BatchRetainInput, ModelSteps, OperationOutcome, OperationProgress } from './definitions.js';
import { runOperation } from './lifecycle.js';
import { continueInNewRun } from './new-run.js';

export const DEFAULT_CHUNK_SIZE = 250;
export const DEFAULT_CHUNK_CONCURRENCY = 4;

/**
 * Retains a batch of documents: chunks of item indexes fan out to activities through a sliding window.
 * The documents themselves stay in the store; history only holds index ranges and counts.
 */
export async function batchRetainWorkflow(input: BatchRetainInput): Promise<OperationOutcome> {
  return runOperation('batch_retain', input, {
    params: {},
    items: input.items,
    work: (state) => retainInChunks(input, state),
  });
}

interface ChunkRange {
  operationId: string;
  bankId: string;
  start: number;
  end: number;
}

/**
 * A chunk with a model provider: each document's facts from the chat model (one stored call per document,
 * dispatched at the deployment's rate limit), then the chunk's memories from those stored answers, then
 * their embeddings. After a crash or a continue-as-new, documents whose answers are stored are not asked for
 * again. The first failing call cancels the chunk's other calls.
 */
async function retainWithModels(
  models: ModelSteps,
  range: ChunkRange,
  onFactsStored: () => void,
): Promise<{ processed: number }> {
  const calls = modelCalls(models);
  return CancellationScope.cancellable(async () => {
    if (models.chat) {
      const waiting = await chunkWork.itemsAwaitingFacts(range);
      try {
        await Promise.all(
          waiting.map((itemIndex) =>
            calls.extractFactsWithModel({ operationId: range.operationId, itemIndex }),
          ),
        );
      } catch (err) {
        throw abandonModelCalls(err, models);
      }
    }
    onFactsStored();
    const result = await chunkWork.retainChunk({ ...range, modelFacts: models.chat });
    if (models.embeddings) {
      try {
        while ((await calls.embedMemories(range)).more);
      } catch (err) {
        throw describeModelFailure(err, models);
      }
    }
    return result;
  });
}

async function retainInChunks(input: BatchRetainInput, state: OperationProgress): Promise<void> {
  const size = input.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const window = input.chunkConcurrency ?? DEFAULT_CHUNK_CONCURRENCY;
  let next = input.resume?.nextIndex ?? 0;
  let inFlight = 0;
  // Chunks whose model calls are done (only writing and embedding left): the next chunk may start its calls
  // meanwhile, so the provider is not left idle while memories are written. At most one extra window of them.
  let pastCalls = 0;
  const hasRoom = () => inFlight - pastCalls < window && inFlight < 2 * window;
  let failure: unknown;

  const launch = (start: number, end: number) => {
    inFlight++;
    let callsDone = false;
    const range = { operationId: input.operationId, bankId: input.bankId, start, end };
    const work = input.models
      ? retainWithModels(input.models, range, () => {
          callsDone = true;
          pastCalls++;
        })
      : chunkWork.retainChunk(range);
    work
      .then(
        ({ processed }) => {
          state.progress += processed;
        },
        (err) => {
          failure ??= err;
        },
      )
      .finally(() => {
        inFlight--;
        if (callsDone) pastCalls--;
      });
  };

  try {
    while (next < state.total) {
      await condition(() => hasRoom() || failure !== undefined);
      if (failure !== undefined) break;
      if (workflowInfo().continueAsNewSuggested) {
        // Let the window drain so the next run starts from a clean index, with all progress accounted for.
        await condition(() => inFlight === 0);
        if (failure !== undefined) break;
        await continueInNewRun<typeof batchRetainWorkflow>({
          ...input,
          items: undefined,
          resume: { progress: state.progress, total: state.total, nextIndex: next },
        });
      }
      const end = Math.min(next + size, state.total);
      launch(next, end);
      next = end;
    }
    await condition(() => inFlight === 0);
  } catch (err) {
    // Cancelled: in-flight chunks stop at their next heartbeat; wait for them so the final state counts
    // every memory they wrote.
    if (isCancellation(err)) await CancellationScope.nonCancellable(() => condition(() => inFlight === 0));
    throw err;
  }
  if (failure !== undefined) throw failure;
}
