import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BadRequestError,
  ConflictError,
  HindsightClient,
  NotFoundError,
  type Operation,
  OperationCancelledError,
  PayloadTooLargeError,
} from '../../clients/typescript/src/index.js';
import { startService } from '../support/service.js';
import { documents, documentText, uniqueBank, waitUntilRunning } from './fixtures.js';

// Big enough to still be running while the test lists and cancels what queues behind it.
const BLOCKER_SIZE = 5000;

let service: Awaited<ReturnType<typeof startService>>;
let client: HindsightClient;

beforeAll(async () => {
  // One operation at a time per bank, so later ones stay pending behind a running one.
  service = await startService({ bankConcurrency: 1 });
  client = new HindsightClient({ baseUrl: service.url });
}, 180_000);

afterAll(async () => {
  await service?.stop();
}, 60_000);

/** Stops an operation and waits until it has ended, whatever state it was in. */
async function cancelAndSettle(bankId: string, operationId: string): Promise<Operation> {
  try {
    await client.cancelOperation({ bankId, operationId });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
  return client.waitForOperation({ bankId, operationId, pollIntervalMs: 50 }).catch((error: unknown) => {
    if (error instanceof OperationCancelledError) return error.operation;
    throw error;
  });
}

describe('seed: async batch retain', () => {
  it('starts an operation, checks it and waits with the polling loop', async () => {
    const bankId = uniqueBank('seed-retain');
    const doc1Text = documentText(1);
    const doc2Text = documentText(2);
    const log: string[] = [];
    const console = { log: (line: string) => log.push(line) };

    // Start async batch retain
    const operation = await client.retainBatchAsync({
      bankId,
      contents: [{ content: doc1Text }, { content: doc2Text }],
    });

    console.log(`Operation ID: ${operation.operationId}`);
    console.log(`Status: ${operation.status}`);
    expect(operation.operationId).toMatch(/^[A-Za-z0-9_.:-]{1,128}$/);
    expect(['pending', 'running']).toContain(operation.status);
    expect(operation).toMatchObject({ bankId, type: 'batch_retain', total: 2, error: null, result: null });

    // Check status
    const status = await client.getOperation({
      bankId,
      operationId: operation.operationId,
    });

    console.log(`Status: ${status.status}`);
    console.log(`Progress: ${status.progress}/${status.total}`);
    expect(status.operationId).toBe(operation.operationId);

    // Wait for completion
    async function waitForOperation(bankId: string, operationId: string) {
      while (true) {
        const status = await client.getOperation({ bankId, operationId });
        if (['completed', 'failed'].includes(status.status)) {
          return status;
        }
        console.log(`Progress: ${status.progress}/${status.total}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    const finalStatus = await waitForOperation(bankId, operation.operationId);
    expect(finalStatus.status).toBe('completed');
    if (finalStatus.status === 'completed') {
      console.log(`Created ${finalStatus.result?.memoryIds?.length} memories`);
    }
    expect(finalStatus.result?.memoryIds?.length).toBeGreaterThan(0);
    expect(finalStatus.progress).toBe(2);
    expect(finalStatus.completedAt).not.toBeNull();
    expect(log[0]).toBe(`Operation ID: ${operation.operationId}`);
    expect(log.at(-1)).toMatch(/^Created \d+ memories$/);
  }, 60_000);

  it('waitForOperation resolves with the completed operation and reports progress', async () => {
    const bankId = uniqueBank('seed-wait');
    const operation = await client.retainBatchAsync({ bankId, contents: documents(300) });
    const seen: Operation[] = [];
    const finalStatus = await client.waitForOperation({
      bankId,
      operationId: operation.operationId,
      pollIntervalMs: 50,
      onProgress: (op) => seen.push(op),
    });
    expect(finalStatus.status).toBe('completed');
    expect(finalStatus.progress).toBe(300);
    expect(finalStatus.result?.itemsCount).toBe(300);
    expect(finalStatus.result?.failedItems).toEqual([]);
    expect(finalStatus.result?.memoryIds?.length).toBe(finalStatus.result?.memoriesCount);
    expect(seen.at(-1)?.status).toBe('completed');
    // Progress never goes backwards.
    const progress = seen.map((op) => op.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    const memories = await client.listMemories({ bankId, operationId: operation.operationId, limit: 5 });
    expect(memories.total).toBe(finalStatus.result?.memoriesCount);
    expect(memories.memories[0]?.operationId).toBe(operation.operationId);
  }, 60_000);
});

describe('live progress', () => {
  it("follows the server's event stream instead of polling", async () => {
    const requested: string[] = [];
    const recording = new HindsightClient({
      baseUrl: service.url,
      fetch: (input, init) => {
        requested.push(`${init?.method ?? 'GET'} ${String(input).replace(service.url, '')}`);
        return fetch(input, init);
      },
    });
    const bankId = uniqueBank('events');
    const operation = await recording.retainBatchAsync({ bankId, contents: documents(400) });
    const seen: Operation[] = [];
    const finalStatus = await recording.waitForOperation({
      bankId,
      operationId: operation.operationId,
      // Polling at this pace would time the test out: the answer has to come from the stream.
      pollIntervalMs: 600_000,
      onProgress: (op) => seen.push(op),
    });
    expect(finalStatus.status).toBe('completed');
    expect(requested.slice(1)).toEqual([
      `GET /v1/default/banks/${bankId}/operations/${operation.operationId}/events`,
    ]);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.at(-1)?.progress).toBe(400);
  }, 60_000);
});

describe('seed: list operations', () => {
  it('lists all operations, filters by status and paginates', async () => {
    const bankId = uniqueBank('seed-list');
    const first = await client.retainBatchAsync({ bankId, contents: documents(3) });
    await client.waitForOperation({ bankId, operationId: first.operationId, pollIntervalMs: 50 });
    const second = await client.retainBatchAsync({ bankId, contents: documents(3, 3) });
    await client.waitForOperation({ bankId, operationId: second.operationId, pollIntervalMs: 50 });

    const log: string[] = [];
    const console = { log: (line: string) => log.push(line) };

    // List all operations
    const operations = await client.listOperations({
      bankId,
    });

    operations.forEach((op) => {
      console.log(`${op.operationId}: ${op.type} - ${op.status}`);
      if (op.status === 'running') {
        console.log(`  Progress: ${op.progress}/${op.total}`);
      }
    });

    expect(log).toContain(`${first.operationId}: batch_retain - completed`);
    expect(log).toContain(`${second.operationId}: batch_retain - completed`);
    expect(operations.total).toBe(operations.length);
    expect(operations.limit).toBe(20);
    expect(operations.offset).toBe(0);
    const retains = operations.filter((op) => op.type === 'batch_retain').map((op) => op.operationId);
    // Newest first.
    expect(retains).toEqual([second.operationId, first.operationId]);

    // Filter by status
    const pending = await client.listOperations({
      bankId,
      status: 'pending',
    });
    expect(pending.every((op) => op.status === 'pending')).toBe(true);
    const completed = await client.listOperations({ bankId, status: 'completed', type: 'batch_retain' });
    expect(completed.map((op) => op.operationId)).toEqual([second.operationId, first.operationId]);

    // With pagination
    const page = await client.listOperations({ bankId, type: 'batch_retain', limit: 1, offset: 1 });
    expect(page.map((op) => op.operationId)).toEqual([first.operationId]);
    expect([page.total, page.limit, page.offset]).toEqual([2, 1, 1]);
  }, 60_000);
});

describe('seed: cancel operations', () => {
  it('cancels one operation, then every pending one with the for-of loop', async () => {
    const bankId = uniqueBank('seed-cancel');
    const blocker = await client.retainBatchAsync({ bankId, contents: documents(BLOCKER_SIZE) });
    await waitUntilRunning(client, bankId, blocker.operationId);
    const queuedA = await client.retainBatchAsync({ bankId, contents: documents(5) });
    const queuedB = await client.retainBatchAsync({ bankId, contents: documents(5, 5) });

    // Cancel operation
    await client.cancelOperation({
      bankId,
      operationId: queuedA.operationId,
    });
    const settledA = await cancelAndSettle(bankId, queuedA.operationId);
    expect(settledA.status).toBe('cancelled');

    // Cancel all pending
    const pending = await client.listOperations({
      bankId,
      status: 'pending',
    });
    expect(pending.map((op) => op.operationId)).toContain(queuedB.operationId);

    for (const op of pending) {
      await client.cancelOperation({
        bankId,
        operationId: op.operationId,
      });
    }

    const settledB = await cancelAndSettle(bankId, queuedB.operationId);
    expect(settledB.status).toBe('cancelled');
    expect(settledB.completedAt).not.toBeNull();

    // A running operation stops too, keeping what it wrote in the documented result shape.
    await client.cancelOperation({ bankId, operationId: blocker.operationId }).catch((error: unknown) => {
      if (!(error instanceof ConflictError)) throw error;
    });
    const cancelled = await client
      .waitForOperation({ bankId, operationId: blocker.operationId, pollIntervalMs: 50 })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(cancelled).toBeInstanceOf(OperationCancelledError);
    const stopped = (cancelled as OperationCancelledError).operation;
    expect(stopped.status).toBe('cancelled');
    expect(stopped.progress).toBeLessThan(BLOCKER_SIZE);
    expect(Array.isArray(stopped.result?.memoryIds)).toBe(true);
    expect(Array.isArray(stopped.result?.failedItems)).toBe(true);

    // Cancelling what already ended is a conflict.
    await expect(client.cancelOperation({ bankId, operationId: blocker.operationId })).rejects.toBeInstanceOf(
      ConflictError,
    );
  }, 120_000);

  it('cancels every pending operation in one server call', async () => {
    const bankId = uniqueBank('seed-cancel-all');
    const blocker = await client.retainBatchAsync({ bankId, contents: documents(BLOCKER_SIZE) });
    await waitUntilRunning(client, bankId, blocker.operationId);
    const queued = [
      await client.retainBatchAsync({ bankId, contents: documents(5) }),
      await client.retainBatchAsync({ bankId, contents: documents(5, 5) }),
    ];

    const result = await client.cancelPendingOperations({ bankId });
    expect(result.bankId).toBe(bankId);
    expect(result.count).toBe(result.cancelled.length);
    const cancelledIds = result.cancelled.map((op) => op.operationId);
    for (const op of queued) expect(cancelledIds).toContain(op.operationId);
    for (const op of queued) expect((await cancelAndSettle(bankId, op.operationId)).status).toBe('cancelled');

    await cancelAndSettle(bankId, blocker.operationId);
  }, 120_000);
});

describe('errors from the real server', () => {
  it('throws NotFoundError for an unknown operation', async () => {
    const error = await client
      .getOperation({ bankId: uniqueBank('errors'), operationId: 'op-does-not-exist' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
    expect((error as Error).message).toContain('op-does-not-exist');
  });

  it('throws BadRequestError for invalid input', async () => {
    const badBank = await client.listOperations({ bankId: 'not a valid bank!' }).catch((e: unknown) => e);
    expect(badBank).toBeInstanceOf(BadRequestError);
    expect(badBank).toMatchObject({ status: 400, code: 'invalid_request' });

    const empty = await client
      .retainBatchAsync({ bankId: uniqueBank('errors'), contents: [] })
      .catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(BadRequestError);

    const badLimit = await client
      .listOperations({ bankId: uniqueBank('errors'), limit: 1000 })
      .catch((e: unknown) => e);
    expect(badLimit).toBeInstanceOf(BadRequestError);
    expect((badLimit as Error).message).toMatch(/limit/);
  });

  it('throws PayloadTooLargeError for a synchronous retain over 100 items', async () => {
    const error = await client
      .retainBatch({ bankId: uniqueBank('errors'), contents: documents(101) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large' });
  });
});

describe('memories, entities and maintenance operations', () => {
  it('retains synchronously, reads memories back, recalls and runs graph and observation updates', async () => {
    const bankId = uniqueBank('memories');
    const retained = await client.retain({
      bankId,
      content: documentText(0),
      documentId: 'notes/apollo.md',
      context: 'planning notes',
      timestamp: new Date('2024-03-15T10:00:00Z'),
      metadata: { source: 'test' },
      tags: ['apollo'],
    });
    expect(retained.bankId).toBe(bankId);
    expect(retained.itemsCount).toBe(1);
    expect(retained.memoryIds.length).toBeGreaterThan(0);

    const batch = await client.retainBatch({ bankId, contents: documents(5, 1) });
    expect(batch.itemsCount).toBe(5);

    const byDocument = await client.listMemories({ bankId, documentId: 'notes/apollo.md' });
    expect(byDocument.memories.map((m) => m.id).sort()).toEqual([...retained.memoryIds].sort());
    const memory = await client.getMemory({ bankId, memoryId: retained.memoryIds[0]! });
    expect(memory).toMatchObject({ bankId, documentId: 'notes/apollo.md', context: 'planning notes' });
    expect(memory.metadata).toEqual({ source: 'test' });
    expect(memory.tags).toEqual(['apollo']);

    const graph = await client.updateGraph({ bankId });
    expect(graph.type).toBe('graph_update');
    const graphDone = await client.waitForOperation({
      bankId,
      operationId: graph.operationId,
      pollIntervalMs: 50,
    });
    expect(typeof graphDone.result?.linksCreated).toBe('number');
    const links = await client.getMemoryLinks({ bankId, memoryId: retained.memoryIds[0]! });
    expect(links.memoryId).toBe(retained.memoryIds[0]);
    expect(Array.isArray(links.links)).toBe(true);

    const regenerate = await client.regenerateObservations({ bankId });
    expect(regenerate.type).toBe('regenerate_observations');
    const regenerated = await client.waitForOperation({
      bankId,
      operationId: regenerate.operationId,
      pollIntervalMs: 50,
    });
    expect(typeof regenerated.result?.entitiesProcessed).toBe('number');

    const entities = await client.listEntities({ bankId, limit: 100 });
    expect(entities.total).toBeGreaterThan(0);
    const entity = await client.getEntity({ bankId, entityId: entities.entities[0]!.id });
    expect(entity.id).toBe(entities.entities[0]!.id);

    const recalled = await client.recall({ bankId, query: 'Apollo report', limit: 3 });
    expect(recalled.query).toBe('Apollo report');
    expect(recalled.results.length).toBeGreaterThan(0);
    expect(typeof recalled.results[0]?.score).toBe('number');

    const health = await client.health();
    expect(health.status).toBe('ok');
  }, 120_000);
});
