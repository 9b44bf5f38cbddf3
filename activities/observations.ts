import { setImmediate as nextTurn } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { type Observation, synthesizeObservation } from '../src/domain/observations.js';
import type { Database } from '../src/store/db.js';
import {
  countEntities as countBankEntities,
  memoriesOfEntities,
  nextEntities,
  saveObservation,
} from '../src/store/entities.js';
import { answersOfSteps, type StoredAnswer, stepsAwaiting } from '../src/store/model-answers.js';
import { recordChunkProgress, setTotal } from '../src/store/operations.js';
import { observationStep } from './models.js';

export interface ObservationsChunkInput {
  operationId: string;
  bankId: string;
  entityIds: string[] | null;
  afterId: string;
  limit: number;
  progressBefore: number;
  updatedBefore: number;
  /** Observations come from the chat model's stored answers (the built-in synthesis where it gave none). */
  modelObservations?: boolean;
}

/** The next chunk's entities that still wait for their observation from the model. */
export async function entitiesAwaitingModel(
  db: Database,
  input: Omit<ObservationsChunkInput, 'progressBefore' | 'updatedBefore'>,
): Promise<string[]> {
  const entities = await nextEntities(db, input.bankId, input.entityIds, input.afterId, input.limit);
  const waiting = new Set(
    await stepsAwaiting(
      db,
      input.operationId,
      entities.map((e) => observationStep(e.id)),
    ),
  );
  return entities.filter((e) => waiting.has(observationStep(e.id))).map((e) => e.id);
}

/** Counts the entities to summarise and records it as the operation's total. */
export async function prepareObservations(
  db: Database,
  input: { operationId: string; bankId: string; entityIds: string[] | null },
): Promise<number> {
  const total = await countBankEntities(db, input.bankId, input.entityIds);
  await setTotal(db, input.operationId, total);
  return total;
}

/** Rewrites the observations of the next entities in id order; progress is absolute, so retries are harmless. */
export async function observationsChunk(
  db: Database,
  input: ObservationsChunkInput,
): Promise<{ processed: number; updated: number; lastId: string }> {
  const ctx = Context.current();
  ctx.heartbeat();
  const entities = await nextEntities(db, input.bankId, input.entityIds, input.afterId, input.limit);
  if (entities.length === 0) return { processed: 0, updated: 0, lastId: input.afterId };
  const memories = await memoriesOfEntities(
    db,
    entities.map((e) => e.id),
  );
  const byEntity = new Map<string, typeof memories>();
  for (const m of memories) {
    const list = byEntity.get(m.entity_id);
    if (list) list.push(m);
    else byEntity.set(m.entity_id, [m]);
  }
  const answers = input.modelObservations
    ? await answersOfSteps<Observation>(
        db,
        input.operationId,
        entities.map((e) => observationStep(e.id)),
      )
    : new Map<string, StoredAnswer<Observation>>();
  const observations: {
    entity: (typeof entities)[number];
    observation: ReturnType<typeof synthesizeObservation>;
  }[] = [];
  for (const entity of entities) {
    // Synthesis is CPU work: the event loop goes back to the API, heartbeats and workflow tasks in between.
    await nextTurn();
    ctx.cancellationSignal.throwIfAborted();
    const entityMemories = (byEntity.get(entity.id) ?? []).map((m) => ({
      id: m.id,
      text: m.text,
      createdAt: m.created_at,
    }));
    const fromModel = answers.get(observationStep(entity.id))?.answer;
    const observation =
      entityMemories.length === 0 ? null : (fromModel ?? synthesizeObservation(entity, entityMemories));
    observations.push({ entity, observation });
  }
  const updated = observations.filter((o) => o.observation !== null).length;
  await db.transaction(async (tx) => {
    for (const { entity, observation } of observations) {
      await saveObservation(tx, input.bankId, entity.id, input.operationId, observation);
    }
    const processed = input.progressBefore + entities.length;
    await recordChunkProgress(tx, input.operationId, processed, {
      entities_processed: processed,
      observations_updated: input.updatedBefore + updated,
    });
  });
  return { processed: entities.length, updated, lastId: entities.at(-1)!.id };
}
