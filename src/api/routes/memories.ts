import { Hono } from 'hono';
import { operationWorkflowId } from '../../../workflows/definitions.js';
import { newOperationId } from '../../domain/ids.js';
import { conflict, notFound, tooLarge, workFailed } from '../../errors.js';
import { embedQuery } from '../../models/query.js';
import { retainFingerprint } from '../../operations/fingerprint.js';
import { assertSameRequest, operationIds } from '../../operations/service.js';
import { isTerminal, type OperationView } from '../../operations/types.js';
import { prepareItems } from '../../retain/prepare.js';
import { linksOf } from '../../store/graph.js';
import { getMemory, listMemories, writeMemories } from '../../store/memories.js';
import { clearMemories, deleteMemory } from '../../store/memory-deletes.js';
import {
  ensureBank,
  getOperationInBank,
  insertOperation,
  type OperationMetadata,
  toView,
} from '../../store/operations.js';
import { recallByMeaningAndWords, recallByWords } from '../../store/recall.js';
import type { RetainItem, StagedItem } from '../../store/retain-items.js';
import type { AppDeps } from '../deps.js';
import { errorBody } from '../errors.js';
import {
  bankParams,
  listMemoriesQuery,
  listMemoryUnitsQuery,
  MAX_ITEMS,
  memoryParams,
  recallBody,
  retainBody,
  SYNC_MAX_BYTES,
  SYNC_MAX_ITEMS,
} from '../schemas.js';
import { jsonBody, validate } from '../validate.js';

export function memoryRoutes(deps: AppDeps) {
  return (
    new Hono()
      .post('/', async (c) => {
        const { bank_id } = validate(bankParams, c.req.param(), 'path');
        const raw = await jsonBody(c.req);
        const count = (raw as { items?: unknown })?.items;
        if (Array.isArray(count) && count.length > MAX_ITEMS) {
          throw tooLarge(`at most ${MAX_ITEMS} items per request (got ${count.length}): split the batch`);
        }
        const body = validate(retainBody, raw, 'body');
        if (body.async) {
          const { operation } = await deps.operations.submitBatchRetain(
            bank_id,
            body.items,
            body.operation_id,
            body.metadata,
          );
          return c.json(operation, 202);
        }
        const bytes = Buffer.byteLength(JSON.stringify(body.items));
        if (body.items.length > SYNC_MAX_ITEMS || bytes > SYNC_MAX_BYTES) {
          throw tooLarge(
            `synchronous retain takes at most ${SYNC_MAX_ITEMS} items and ${SYNC_MAX_BYTES / 1024} KB ` +
              `(got ${body.items.length} items, ${Math.ceil(bytes / 1024)} KB): send it with "async": true`,
          );
        }
        const { chat, embeddings } = deps.config.models;
        // Labels belong to an operation: a labelled synchronous retain is recorded as one, like one with an id.
        const operation =
          chat || embeddings
            ? await retainThroughOperation(deps, bank_id, body.items, body.operation_id, body.metadata)
            : body.operation_id || body.metadata
              ? await retainNowAsOperation(deps, bank_id, body.items, body.operation_id, body.metadata)
              : undefined;
        if (!operation) {
          const memoryIds = await retainNow(deps, bank_id, body.items);
          return c.json({
            success: true,
            async: false,
            bank_id,
            items_count: body.items.length,
            memory_ids: memoryIds,
          });
        }
        if (operation.status !== 'completed') return c.json(operation, 202);
        const result = operation.result as { memory_ids: string[]; failed_items: unknown[] };
        return c.json({
          success: true,
          async: false,
          bank_id,
          items_count: body.items.length,
          memory_ids: result.memory_ids,
          failed_items: result.failed_items,
          operation_id: operation.operation_id,
        });
      })
      .get('/', async (c) => {
        const { bank_id } = validate(bankParams, c.req.param(), 'path');
        const q = validate(listMemoriesQuery, c.req.query(), 'query');
        const page = await listMemories(deps.db, {
          bankId: bank_id,
          operationId: q.operation_id,
          documentId: q.document_id,
          limit: q.limit,
          offset: q.offset,
        });
        return c.json({ bank_id, ...page, limit: q.limit, offset: q.offset });
      })
      // Before /:memory_id: "list" is the published clients' listing, never a memory id.
      .get('/list', async (c) => {
        const { bank_id } = validate(bankParams, c.req.param(), 'path');
        const q = validate(listMemoryUnitsQuery, c.req.query(), 'query');
        const page =
          q.type && q.type !== 'world'
            ? { memories: [], total: 0 }
            : await listMemories(deps.db, {
                bankId: bank_id,
                documentId: q.document_id,
                text: q.q,
                entityId: q.entity_id,
                limit: q.limit,
                offset: q.offset,
              });
        const items = page.memories.map((m) => ({ ...m, type: 'world', date: m.timestamp ?? m.created_at }));
        return c.json({ items, total: page.total, limit: q.limit, offset: q.offset });
      })
      .delete('/', async (c) => {
        const { bank_id } = validate(bankParams, c.req.param(), 'path');
        const deleted = await clearMemories(deps.db, bank_id);
        return c.json({ success: true, message: `deleted ${deleted} memories`, deleted_count: deleted });
      })
      .post('/recall', async (c) => {
        const { bank_id } = validate(bankParams, c.req.param(), 'path');
        const body = validate(recallBody, await jsonBody(c.req), 'body');
        const limit = body.limit ?? 10;
        const vector = await embedQuery(deps.config.models, body.query, deps.logger);
        const results = vector
          ? await recallByMeaningAndWords(deps.db, bank_id, body.query, vector, limit)
          : await recallByWords(deps.db, bank_id, body.query, limit);
        return c.json({ bank_id, query: body.query, results });
      })
      // "recall" is never a memory id: a GET here is a recall sent with the wrong method.
      .get('/recall', (c) => {
        c.header('Allow', 'POST');
        const message =
          'recall is POST /memories/recall with a JSON body such as {"query": "..."}; GET is not allowed';
        return c.json(errorBody('method_not_allowed', message), 405);
      })
      .get('/:memory_id', async (c) => {
        const { bank_id, memory_id } = validate(memoryParams, c.req.param(), 'path');
        const memory = await getMemory(deps.db, bank_id, memory_id);
        if (!memory) throw notFound(`memory ${memory_id} not found in bank ${bank_id}`);
        return c.json(memory);
      })
      .delete('/:memory_id', async (c) => {
        const { bank_id, memory_id } = validate(memoryParams, c.req.param(), 'path');
        if (!(await deleteMemory(deps.db, bank_id, memory_id))) {
          throw notFound(`memory ${memory_id} not found in bank ${bank_id}`);
        }
        return c.json({ success: true, message: `deleted memory ${memory_id}`, deleted_count: 1 });
      })
      .get('/:memory_id/links', async (c) => {
        const { bank_id, memory_id } = validate(memoryParams, c.req.param(), 'path');
        if (!(await getMemory(deps.db, bank_id, memory_id))) {
          throw notFound(`memory ${memory_id} not found in bank ${bank_id}`);
        }
        return c.json({ memory_id, links: await linksOf(deps.db, memory_id) });
      })
  );
}

/**
 * With a model provider, a synchronous retain runs as an operation like an async one, so its model calls are
 * rate-limited, durable and paid once, and the request waits for it: the completed operation, or the operation
 * as it stands (to follow like an async one) when it has not ended within HINDSIGHT_MODEL_SYNC_RETAIN_WAIT_MS.
 */
async function retainThroughOperation(
  deps: AppDeps,
  bankId: string,
  items: RetainItem[],
  operationId: string | undefined,
  metadata: OperationMetadata | undefined,
): Promise<OperationView> {
  const { operation } = await deps.operations.submitBatchRetain(bankId, items, operationId, metadata);
  return waitForRetain(deps, operation);
}

/** A synchronous retain's operation once it ended, or as it stands after HINDSIGHT_MODEL_SYNC_RETAIN_WAIT_MS. */
async function waitForRetain(deps: AppDeps, operation: OperationView): Promise<OperationView> {
  const { operation_id: id, bank_id: bankId } = operation;
  const ended = isTerminal(operation.status)
    ? operation
    : await deps.operations.waitForEnd(bankId, id, deps.config.models.syncRetainWaitMs);
  if (ended.status === 'failed') throw workFailed(`retain failed (operation ${id}): ${ended.error}`);
  if (ended.status === 'cancelled') throw conflict(`operation ${id} was cancelled before it finished`);
  return ended;
}

/**
 * A synchronous retain with the caller's `operation_id` or `metadata` and no model provider: retained in the
 * request like any small batch, and recorded as a completed `batch_retain` operation in the same transaction as
 * its memories. The same request sent again with its id (a client's retry) answers that operation's memories
 * and writes nothing; other content under the same id is refused (409), as for an async retain.
 */
async function retainNowAsOperation(
  deps: AppDeps,
  bankId: string,
  items: RetainItem[],
  operationId: string | undefined,
  metadata: OperationMetadata | undefined,
): Promise<OperationView> {
  const fingerprint = retainFingerprint(items, metadata);
  const earlier = operationId && (await getOperationInBank(deps.db, bankId, operationId));
  if (earlier) {
    assertSameRequest(earlier, 'batch_retain', fingerprint);
    return waitForRetain(deps, toView(earlier));
  }
  const { id, publicId } = operationIds(bankId, operationId);
  const prepared = await prepareItems(deps.extraction, bankId, id, staged(items));
  const result = {
    memory_ids: prepared.memories.map((m) => m.id),
    items_count: items.length,
    memories_count: prepared.memories.length,
    entities_count: new Set(prepared.memories.flatMap((m) => m.entityIds)).size,
    failed_items: [...prepared.failures].map(([index, reason]) => ({ index, reason })),
  };
  const { row, created } = await deps.db.transaction(async (tx) => {
    const inserted = await insertOperation(
      tx,
      {
        id,
        publicId,
        fingerprint,
        bankId,
        type: 'batch_retain',
        total: items.length,
        params: {},
        workflowId: operationWorkflowId('batch_retain', bankId, publicId),
        metadata,
      },
      { status: 'completed', result },
    );
    // A racing twin committed first: its memories are these (same ids), already written.
    if (inserted.created) await writeMemories(tx, bankId, id, prepared.memories, prepared.entities);
    return inserted;
  });
  if (!created) {
    assertSameRequest(row, 'batch_retain', fingerprint);
    return waitForRetain(deps, toView(row));
  }
  await deps.operations.scheduleFollowUps(bankId);
  return toView(row);
}

function staged(items: RetainItem[]): StagedItem[] {
  return items.map((item, index) => ({
    item_index: index,
    content: item.content,
    context: item.context ?? null,
    occurred_at: item.timestamp ? new Date(item.timestamp) : null,
    document_id: item.document_id ?? null,
    metadata: item.metadata ?? null,
    tags: item.tags ?? null,
  }));
}

/** Small batches are retained in the request, in one transaction; follow-up work is queued as for async. */
async function retainNow(deps: AppDeps, bankId: string, items: RetainItem[]): Promise<string[]> {
  const operationId = `sync-${newOperationId()}`;
  const prepared = await prepareItems(deps.extraction, bankId, operationId, staged(items));
  await deps.db.transaction(async (tx) => {
    await ensureBank(tx, bankId);
    await writeMemories(tx, bankId, operationId, prepared.memories, prepared.entities);
  });
  await deps.operations.scheduleFollowUps(bankId);
  return prepared.memories.map((m) => m.id);
}
