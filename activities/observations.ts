import { setImmediate as nextTurn } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { synthesizeObservation } from '../src/domain/observations.js';
import type { Database } from '../src/store/db.js';
import {
  countEntities as countBankEntities,
  memoriesOfEntities,
  nextEntities,
  saveObservation,
} from '../src/store/entities.js';
import { setTotal } from '../src/store/operations.js';

export interface ObservationsChunkInput {
  operationId: string;
  bankId: string;
  entityIds: string[] | null;
  afterId: string;
  limit: number;
  progressBefore: number;
  updatedBefore: number;
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
    observations.push({ entity, observation: synthesizeObservation(entity, entityMemories) });
  }
  const updated = observations.filter((o) => o.observation !== null).length;
  await db.transaction(async (tx) => {
    for (const { entity, observation } of observations) {
      await saveObservation(tx, input.bankId, entity.id, input.operationId, observation);
    }
    await tx.query(
      `UPDATE operations SET progress = $2, result = jsonb_build_object('entities_processed', $2::int,
         'observations_updated', $3::int) WHERE id = $1`,
      [input.operationId, input.progressBefore + entities.length, input.updatedBefore + updated],
    );
  });
  return { processed: entities.length, updated, lastId: entities.at(-1)!.id };
}
