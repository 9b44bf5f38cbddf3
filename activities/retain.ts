import { Context } from '@temporalio/activity';
import type { ModelFacts } from '../src/models/facts.js';
import type { ExtractionPool } from '../src/retain/extraction-pool.js';
import { assemble, type Extraction, prepareItems } from '../src/retain/prepare.js';
import type { Database } from '../src/store/db.js';
import { writeMemories } from '../src/store/memories.js';
import { answersOfSteps } from '../src/store/model-answers.js';
import { loadUnprocessed, markProcessed, type StagedItem } from '../src/store/retain-items.js';
import { factsStep } from './models.js';

/** Items per transaction: the embedded store serves one transaction at a time, so API reads wait little. */
const WRITE_BATCH = 25;

export interface RetainChunkInput {
  operationId: string;
  bankId: string;
  start: number;
  end: number;
  /** Facts come from the chat model's stored answers instead of the built-in extractor. */
  modelFacts?: boolean;
}

/** Each item's stored model answer as an extraction (an item with no stored answer fails with that reason). */
async function extractionsFromAnswers(
  db: Database,
  operationId: string,
  batch: StagedItem[],
): Promise<Extraction[]> {
  const answers = await answersOfSteps<ModelFacts>(
    db,
    operationId,
    batch.map((item) => factsStep(item.item_index)),
  );
  return batch.map((item) => {
    const stored = answers.get(factsStep(item.item_index));
    if (stored?.answer) return stored.answer;
    return { error: stored?.error ?? 'the model gave no answer for this document' };
  });
}

/**
 * Retains items [start, end) of an operation. Items already done by an earlier attempt are skipped, and each
 * batch's memories and progress commit together, so retries neither duplicate nor lose anything.
 */
export async function retainChunk(
  db: Database,
  extraction: ExtractionPool,
  input: RetainChunkInput,
): Promise<{ processed: number }> {
  const ctx = Context.current();
  const items = await loadUnprocessed(db, input.operationId, input.start, input.end);
  let processed = 0;
  for (let i = 0; i < items.length; i += WRITE_BATCH) {
    const batch = items.slice(i, i + WRITE_BATCH);
    // A heartbeat per write batch (the SDK sends them throttled) brings a cancel in promptly, and the chunk
    // stops before its next batch; what committed so far stays, and is counted.
    ctx.heartbeat({ nextIndex: batch[0]!.item_index });
    const prepared = input.modelFacts
      ? assemble(
          input.bankId,
          input.operationId,
          batch,
          await extractionsFromAnswers(db, input.operationId, batch),
        )
      : await prepareItems(extraction, input.bankId, input.operationId, batch, ctx.cancellationSignal);
    processed += await db.transaction(async (tx) => {
      await writeMemories(tx, input.bankId, input.operationId, prepared.memories, prepared.entities);
      return markProcessed(
        tx,
        input.operationId,
        batch.map((item) => item.item_index),
        prepared.failures,
      );
    });
  }
  return { processed };
}
