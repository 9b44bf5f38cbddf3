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

/**
 * A cancel reaches an activity only in the answer to one of its heartbeats. A write batch takes seconds on a
 * busy CPU (its extraction queues behind the other chunks'), so a heartbeat per batch left a cancel waiting
 * that long; a timer keeps them going (the worker's throttle sends at most one per its interval).
 */
const HEARTBEAT_EVERY_MS = 100;

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
  let nextIndex = input.start;
  ctx.heartbeat({ nextIndex });
  const beat = setInterval(() => ctx.heartbeat({ nextIndex }), HEARTBEAT_EVERY_MS);
  try {
    return await retainBatches(db, extraction, input, (index) => {
      nextIndex = index;
    });
  } finally {
    clearInterval(beat);
  }
}

async function retainBatches(
  db: Database,
  extraction: ExtractionPool,
  input: RetainChunkInput,
  reached: (itemIndex: number) => void,
): Promise<{ processed: number }> {
  const ctx = Context.current();
  const items = await loadUnprocessed(db, input.operationId, input.start, input.end);
  let processed = 0;
  for (let i = 0; i < items.length; i += WRITE_BATCH) {
    // Cancelled: stop before the next batch (an extraction under way is abandoned through the signal); what
    // committed so far stays, and is counted.
    ctx.cancellationSignal.throwIfAborted();
    const batch = items.slice(i, i + WRITE_BATCH);
    reached(batch[0]!.item_index);
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
