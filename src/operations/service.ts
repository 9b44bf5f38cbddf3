import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { bankQueueWorkflowId, operationWorkflowId, releaseSignal } from '../../workflows/definitions.js';
import type { Config } from '../config.js';
import { callerOperationKey, newOperationId } from '../domain/ids.js';
import { conflict, notFound, operationExpired } from '../errors.js';
import type { Logger } from '../logger.js';
import { assertBankTakesWork, bankDeleteState, markBankDeleting } from '../store/bank-state.js';
import type { Database } from '../store/db.js';
import { countDocumentMemories } from '../store/documents.js';
import {
  cancelIfPending,
  deleteEndedOperation,
  findPendingFollowUp,
  finishOperation,
  getOperationById,
  getOperationInBank,
  insertFollowUps,
  insertOperation,
  listOperations,
  listUnfinished,
  type OperationFilter,
  type OperationMetadata,
  type OperationRow,
  toView,
} from '../store/operations.js';
import { type RetainItem, stageItems } from '../store/retain-items.js';
import { getExpiredOperation } from '../store/retention.js';
import type { TrackedCalls } from '../temporal/tracked-calls.js';
import { annotateSpan } from '../tracing/index.js';
import { joinBankQueue } from './bank-queue.js';
import { maintenanceFingerprint, retainFingerprint } from './fingerprint.js';
import { type ReflectRequest, runReflect } from './reflect.js';
import { createRetry } from './retry.js';
import { stalledReason } from './stalled.js';
import { isTerminal, type OperationType, type OperationView } from './types.js';
import { startOperationWorkflow } from './workflow-starts.js';

const CANCEL_WAIT_MS = 3_000;
const LIVENESS_TTL_MS = 2_000;
/** How often a request waiting for its operation reads the operation's row. */
const END_POLL_MS = 200;

/** "has already completed", "has already failed", "has already been cancelled". */
const alreadyEnded = (operationId: string, status: string) =>
  conflict(`operation ${operationId} has already ${status === 'cancelled' ? 'been cancelled' : status}`);

/**
 * The store's key and the caller's id of a new operation. An id the caller chose is keyed within its bank, so
 * every bank has all ids to itself; a generated id is random and is its own key.
 */
export function operationIds(bankId: string, operationId: string | undefined) {
  if (operationId === undefined) {
    const id = newOperationId();
    return { id, publicId: id };
  }
  return { id: callerOperationKey(bankId, operationId), publicId: operationId };
}

/**
 * An id sent again must come with the request that first used it, as idempotency keys work elsewhere: the
 * retry of a request gets its operation, other work under the same id is refused (and names nothing but the
 * caller's own operation). Operations older than fingerprints are matched by type alone.
 */
export function assertSameRequest(row: OperationRow, type: OperationType, fingerprint: string): void {
  if (row.type !== type) {
    throw conflict(
      `operation id ${row.public_id} is already used by a ${row.type} operation in this bank: choose a new id`,
    );
  }
  if (row.request_fingerprint !== null && row.request_fingerprint !== fingerprint) {
    throw conflict(
      `operation id ${row.public_id} was already used for a request with other content; ` +
        'send the same request to get its operation, or choose a new id',
    );
  }
}

export interface Submitted {
  operation: OperationView;
  created: boolean;
}

/**
 * Operations as callers see them: rows in the store, each backed by one Temporal workflow. The row is
 * written first (the claim check), then the workflow is started; a start that fails is retried by the
 * reconciler, so an accepted operation is never lost.
 */
export class OperationService {
  private readonly livenessAskedAt = new Map<string, number>();
  private readonly starting = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly client: Client,
    /** Every call this service makes to Temporal goes through here (deadline, drained before close). */
    private readonly calls: TrackedCalls,
    private readonly config: Config,
    private readonly logger: Logger,
    /** Told about operations this service ends itself (the reconciler), as workflows tell their ends. */
    private readonly onEnded?: (operation: OperationView, key: string) => Promise<void>,
  ) {}

  /** A reflect answer from the chat model (see reflect.ts); not an operation: nothing is recorded. */
  reflect(request: ReflectRequest) {
    return runReflect(
      { client: this.client, calls: this.calls, config: this.config, logger: this.logger },
      request,
    );
  }

  async submitBatchRetain(
    bankId: string,
    items: RetainItem[],
    operationId?: string,
    metadata?: OperationMetadata,
  ): Promise<Submitted> {
    const ids = operationIds(bankId, operationId);
    annotateSpan({ operationId: ids.publicId, bankId });
    const fingerprint = retainFingerprint(items, metadata);
    const inserted = await this.db.transaction(async (tx) => {
      const result = await insertOperation(tx, {
        ...ids,
        fingerprint,
        bankId,
        type: 'batch_retain',
        total: items.length,
        params: {},
        workflowId: operationWorkflowId('batch_retain', bankId, ids.publicId),
        metadata,
      });
      if (result.created) await stageItems(tx, ids.id, items);
      return result;
    });
    return this.afterInsert(inserted.row, inserted.created, 'batch_retain', fingerprint);
  }

  /** A new batch_retain of the items a finished batch_retain failed on (see createRetry for what is refused). */
  async retry(bankId: string, operationId: string): Promise<OperationView> {
    annotateSpan({ operationId, bankId });
    const row = await this.db.transaction((tx) => createRetry(tx, bankId, operationId));
    this.startInBackground(row);
    return toView(row);
  }

  /**
   * Removes the record of an operation that has ended (its staged documents and model answers go with it);
   * the memories it wrote stay. One that has not ended must be cancelled first.
   */
  async deleteRecord(bankId: string, operationId: string): Promise<OperationView> {
    const row = await this.rowInBank(bankId, operationId);
    if (!isTerminal(row.status)) {
      throw conflict(
        `operation ${operationId} has not ended (it is ${row.status}): cancel it first with ` +
          `DELETE /v1/default/banks/${bankId}/operations/${operationId}, then delete its record`,
      );
    }
    await deleteEndedOperation(this.db, row.id);
    return toView(row);
  }

  /** graph_update and regenerate_observations on request, with the caller's parameters. */
  async submitMaintenance(
    bankId: string,
    type: Exclude<OperationType, 'batch_retain'>,
    params: Record<string, unknown>,
    operationId?: string,
    metadata?: OperationMetadata,
  ): Promise<Submitted> {
    const ids = operationIds(bankId, operationId);
    annotateSpan({ operationId: ids.publicId, bankId });
    const fingerprint = maintenanceFingerprint(type, params, metadata);
    const inserted = await insertOperation(this.db, {
      ...ids,
      fingerprint,
      bankId,
      type,
      total: 0,
      params,
      workflowId: operationWorkflowId(type, bankId, ids.publicId),
      metadata,
    });
    return this.afterInsert(inserted.row, inserted.created, type, fingerprint);
  }

  /**
   * Accepts the deletion of a bank: from here the bank takes no new work (409), and the delete waits in the
   * bank queue for the operations accepted before it. A bank already being deleted answers with that delete.
   */
  async submitDeleteBank(bankId: string): Promise<Submitted> {
    const ids = operationIds(bankId, undefined);
    const fingerprint = maintenanceFingerprint('delete_bank', {});
    const inserted = await this.db.transaction(async (tx) => {
      const bank = await bankDeleteState(tx, bankId);
      if (!bank) throw notFound(`bank ${bankId} not found`);
      const under = bank.deletingOperationId && (await getOperationById(tx, bank.deletingOperationId));
      if (under) return { row: under, created: false };
      const result = await insertOperation(tx, {
        ...ids,
        fingerprint,
        bankId,
        type: 'delete_bank',
        total: 0,
        params: {},
        workflowId: operationWorkflowId('delete_bank', bankId, ids.publicId),
      });
      await markBankDeleting(tx, bankId, result.row.id);
      return result;
    });
    return this.afterInsert(inserted.row, inserted.created, 'delete_bank', fingerprint);
  }

  /** Accepts the deletion of a document's memories; `memories` is how many it has now. */
  async submitDeleteDocument(bankId: string, documentId: string): Promise<Submitted & { memories: number }> {
    const ids = operationIds(bankId, undefined);
    const params = { document_id: documentId };
    const fingerprint = maintenanceFingerprint('delete_document', params);
    const { memories, ...inserted } = await this.db.transaction(async (tx) => {
      await assertBankTakesWork(tx, bankId);
      const count = await countDocumentMemories(tx, bankId, documentId);
      if (count === 0) throw notFound(`document ${documentId} not found in bank ${bankId}`);
      const result = await insertOperation(tx, {
        ...ids,
        fingerprint,
        bankId,
        type: 'delete_document',
        total: count,
        params,
        workflowId: operationWorkflowId('delete_document', bankId, ids.publicId),
      });
      return { ...result, memories: count };
    });
    return {
      ...(await this.afterInsert(inserted.row, inserted.created, 'delete_document', fingerprint)),
      memories,
    };
  }

  /**
   * Queues graph_update and regenerate_observations for the bank (deduplicated) and starts them, after a
   * synchronous retain that ran in the request (no operation of its own to name as `triggered_by`).
   */
  async scheduleFollowUps(bankId: string): Promise<void> {
    await insertFollowUps(this.db, bankId, newOperationId, null);
    await this.startFollowUps(bankId);
  }

  /** Starts the workflows of the bank's pending follow-ups (their rows may come from another transaction). */
  async startFollowUps(bankId: string): Promise<void> {
    for (const type of ['graph_update', 'regenerate_observations'] as const) {
      const pending = await findPendingFollowUp(this.db, bankId, type);
      if (pending) await this.ensureWorkflow(pending);
    }
  }

  private async afterInsert(row: OperationRow, created: boolean, type: OperationType, fingerprint: string) {
    if (!created) assertSameRequest(row, type, fingerprint);
    if (!isTerminal(row.status)) this.startInBackground(row);
    return { operation: toView(row), created };
  }

  /**
   * The 202 goes out once the row and the documents are committed: starting the workflow and joining the bank
   * queue are two writes to Temporal's server, which a burst of submits would otherwise queue behind. A start
   * that fails or never happens (the process dies first) leaves the row pending for the reconciler.
   */
  private startInBackground(row: OperationRow): void {
    const starting = this.ensureWorkflow(row).finally(() => this.starting.delete(starting));
    this.starting.add(starting);
  }

  /** Waits for the workflow starts still under way (before the Temporal connection closes). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.starting]);
  }

  /** Starts the workflow unless it runs; a failure here leaves the row pending for the reconciler. */
  private async ensureWorkflow(row: OperationRow): Promise<void> {
    try {
      await this.calls.run(() => startOperationWorkflow(this.client, this.config, row));
      await this.calls.run(() =>
        joinBankQueue(this.client, this.config, {
          bankId: row.bank_id,
          entry: { workflowId: row.workflow_id, operationId: row.id, type: row.type, seq: row.seq },
          limit: this.config.bankConcurrency,
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'WorkflowExecutionAlreadyStartedError') {
        await this.reconcile(row);
        return;
      }
      this.logger.warn({ err: error, operationId: row.id, bankId: row.bank_id }, 'workflow start deferred');
    }
  }

  private async rowInBank(bankId: string, operationId: string): Promise<OperationRow> {
    const row = await getOperationInBank(this.db, bankId, operationId);
    if (row) return row;
    const expired = await getExpiredOperation(this.db, bankId, operationId);
    if (expired) throw operationExpired(operationId, expired.retention_ms);
    throw notFound(`operation ${operationId} not found in bank ${bankId}`);
  }

  /**
   * One operation, from its row: progress commits with the work it counts, so the row is as fresh as the
   * workflow's own `progress` query (kept for the Temporal UI and parent workflows) and costs no round trip
   * through a busy worker. While it runs, Temporal's server says whether the workflow still does (terminated
   * from the UI, it did not write its row).
   */
  async get(bankId: string, operationId: string): Promise<OperationView> {
    const row = await this.rowInBank(bankId, operationId);
    if (row.status !== 'running' || this.askedTemporalRecently(row.id)) return toView(row);
    const { row: current, stalled } = await this.inspect(row);
    return stalled ? { ...toView(current), error: stalled } : toView(current);
  }

  /** The operation once it has ended, or as it stands after `timeoutMs` (read as GET reads it). */
  async waitForEnd(bankId: string, operationId: string, timeoutMs: number): Promise<OperationView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const operation = await this.get(bankId, operationId);
      if (isTerminal(operation.status) || Date.now() >= deadline) return operation;
      await new Promise((resolve) => setTimeout(resolve, END_POLL_MS));
    }
  }

  /**
   * Many clients polling one running operation ask Temporal's server at most once per LIVENESS_TTL_MS between
   * them: a workflow terminated behind our back shows a moment later, and the server is not polled per GET.
   */
  private askedTemporalRecently(operationId: string): boolean {
    const now = Date.now();
    const last = this.livenessAskedAt.get(operationId);
    if (last !== undefined && now - last < LIVENESS_TTL_MS) return true;
    if (this.livenessAskedAt.size >= 10_000) this.livenessAskedAt.clear(); // old entries are harmless
    this.livenessAskedAt.set(operationId, now);
    return false;
  }

  list(filter: OperationFilter) {
    return listOperations(this.db, filter).then(({ rows, total }) => ({
      operations: rows.map(toView),
      total,
    }));
  }

  /**
   * Cancels through Temporal's cancel request, the one the Temporal UI's button sends, so the workflow closes
   * as Cancelled there too (the workflow's `cancel` signal would close it as Completed). A pending operation
   * ends at once (even with no worker up); a running one within about a second. `stopping` is true when it
   * had not ended after a few seconds.
   */
  async cancel(bankId: string, operationId: string) {
    const row = await this.rowInBank(bankId, operationId);
    if (isTerminal(row.status)) throw alreadyEnded(operationId, row.status);
    try {
      await this.calls.run(() => this.client.workflow.getHandle(row.workflow_id).cancel());
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        // Its workflow already closed (terminated from outside, say): the row catches up, and an ended
        // operation cannot be cancelled.
        const reconciled = await this.reconcile(row);
        if (isTerminal(reconciled.status)) throw alreadyEnded(operationId, reconciled.status);
      } else if (row.status !== 'pending') {
        throw error; // a running operation needs the request; a pending one is ended in the store below
      }
    }
    if (row.status === 'pending') await cancelIfPending(this.db, row);
    const deadline = Date.now() + CANCEL_WAIT_MS;
    for (;;) {
      const current = await this.rowInBank(bankId, operationId);
      if (isTerminal(current.status)) return { operation: toView(current), stopping: false };
      if (Date.now() > deadline) return { operation: toView(current), stopping: true };
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async cancelPending(bankId: string): Promise<OperationView[]> {
    const { rows } = await listOperations(this.db, { bankId, status: 'pending', limit: 10_000, offset: 0 });
    const cancelled: OperationView[] = [];
    for (const row of rows) {
      try {
        cancelled.push((await this.cancel(bankId, row.public_id)).operation);
      } catch (error) {
        if ((error as { status?: number }).status !== 409) throw error; // it ended meanwhile
      }
    }
    return cancelled;
  }

  /**
   * Brings a row in line with its workflow when the workflow ended without writing it (terminated from the
   * Temporal UI, say), or starts the workflow when it never started.
   */
  async reconcile(row: OperationRow): Promise<OperationRow> {
    return (await this.inspect(row)).row;
  }

  /** reconcile, plus why a workflow that runs cannot move (see stalledReason). */
  private async inspect(row: OperationRow): Promise<{ row: OperationRow; stalled?: string | undefined }> {
    const handle = this.client.workflow.getHandle(row.workflow_id);
    let status: string;
    try {
      const description = await this.calls.run(() => handle.describe());
      status = description.status.name;
      if (status === 'RUNNING') {
        const stalled = await this.calls
          .run(() => stalledReason(this.client, description))
          .catch(() => undefined);
        return { row, stalled };
      }
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        await this.calls
          .run(() => startOperationWorkflow(this.client, this.config, row))
          .catch(() => undefined);
      }
      return { row };
    }
    if (status === 'CONTINUED_AS_NEW') return { row };
    const fresh = await getOperationById(this.db, row.id);
    if (!fresh || isTerminal(fresh.status)) return { row: fresh ?? row };
    const cancelled = status === 'CANCELLED' || status === 'CANCELED';
    const ended = await finishOperation(this.db, row.id, {
      status: cancelled ? 'cancelled' : 'failed',
      error: cancelled
        ? null
        : `the workflow ended as ${status.toLowerCase()} without finishing the operation`,
    });
    await this.calls
      .run(() =>
        this.client.workflow
          .getHandle(bankQueueWorkflowId(row.bank_id))
          .signal(releaseSignal, row.workflow_id),
      )
      .catch(() => undefined);
    this.logger.warn(
      { operationId: row.id, bankId: row.bank_id, workflowStatus: status },
      'operation reconciled',
    );
    if (ended) await this.onEnded?.(toView(ended), ended.id);
    return { row: ended ?? row };
  }

  /**
   * Requests cancellation of workflows that have lost their purpose (the deliveries of a deleted webhook).
   * Best effort: one that already closed is skipped, and one Temporal cannot be told about now finds its
   * row gone at its next attempt and ends then.
   */
  async cancelWorkflows(workflowIds: string[]): Promise<void> {
    await Promise.all(
      workflowIds.map((id) =>
        this.calls
          .run(() => this.client.workflow.getHandle(id).cancel())
          .catch((error) => {
            if (!(error instanceof WorkflowNotFoundError))
              this.logger.warn({ err: error, workflowId: id }, 'workflow cancel failed');
          }),
      ),
    );
  }

  /** Periodic sweep over unfinished operations (started late, or closed behind our back). */
  async reconcileAll(olderThanMs = 5_000): Promise<void> {
    for (const row of await listUnfinished(this.db, new Date(Date.now() - olderThanMs))) {
      await this.reconcile(row).catch((error) =>
        this.logger.warn({ err: error, operationId: row.id }, 'reconcile failed'),
      );
    }
  }
}
