import { Hono } from 'hono';
import { newOperationId } from '../../domain/ids.js';
import { conflict, notFound, tooLarge, workFailed } from '../../errors.js';
import { embedQuery } from '../../models/query.js';
import type { OperationView } from '../../operations/types.js';
import { prepareItems } from '../../retain/prepare.js';
import { linksOf } from '../../store/graph.js';
import { getMemory, listMemories, recall, recallHybrid, writeMemories } from '../../store/memories.js';
import { ensureBank } from '../../store/operations.js';
import type { RetainItem } from '../../store/retain-items.js';
import type { AppDeps } from '../deps.js';
import { errorBody } from '../errors.js';
import {
  bankParams,
  listMemoriesQuery,
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
        if (chat || embeddings) {
          const operation = await retainThroughOperation(deps, bank_id, body.items, body.operation_id);
          if (operation.status !== 'completed') return c.json(operation, 202);
          const result = operation.result as { memory_ids: string[]; failed_items: unknown[] };
          return c.json({
            bank_id,
            items_count: body.items.length,
            memory_ids: result.memory_ids,
            failed_items: result.failed_items,
            operation_id: operation.operation_id,
          });
        }
        const memoryIds = await retainNow(deps, bank_id, body.items);
        return c.json({ bank_id, items_count: body.items.length, memory_ids: memoryIds });
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
      .post('/recall', async (c) => {
        const { bank_id } = validate(bankParams, c.req.param(), 'path');
        const body = validate(recallBody, await jsonBody(c.req), 'body');
        const limit = body.limit ?? 10;
        const vector = await embedQuery(deps.config.models, body.query, deps.logger);
        const results = vector
          ? await recallHybrid(deps.db, bank_id, body.query, vector, limit)
          : await recall(deps.db, bank_id, body.query, limit);
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
): Promise<OperationView> {
  const { operation } = await deps.operations.submitBatchRetain(bankId, items, operationId);
  const { operation_id: id } = operation;
  const ended = await deps.operations.waitForEnd(bankId, id, deps.config.models.syncRetainWaitMs);
  if (ended.status === 'failed') throw workFailed(`retain failed (operation ${id}): ${ended.error}`);
  if (ended.status === 'cancelled') throw conflict(`operation ${id} was cancelled before it finished`);
  return ended;
}

/** Small batches are retained in the request, in one transaction; follow-up work is queued as for async. */
async function retainNow(deps: AppDeps, bankId: string, items: RetainItem[]): Promise<string[]> {
  const operationId = `sync-${newOperationId()}`;
  const staged = items.map((item, index) => ({
    item_index: index,
    content: item.content,
    context: item.context ?? null,
    occurred_at: item.timestamp ? new Date(item.timestamp) : null,
    document_id: item.document_id ?? null,
    metadata: item.metadata ?? null,
    tags: item.tags ?? null,
  }));
  const prepared = await prepareItems(deps.extraction, bankId, operationId, staged);
  await deps.db.transaction(async (tx) => {
    await ensureBank(tx, bankId);
    await writeMemories(tx, bankId, operationId, prepared.memories, prepared.entities);
  });
  await deps.operations.scheduleFollowUps(bankId);
  return prepared.memories.map((m) => m.id);
}
