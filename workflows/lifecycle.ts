import {
  CancellationScope,
  CancelledFailure,
  ContinueAsNew,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { bookkeeping } from './activities.js';
import {
  bankQueueWorkflowId,
  cancelSignal,
  grantSignal,
  type OperationInputBase,
  type OperationOutcome,
  type OperationProgress,
  type OperationStatus,
  type OperationType,
  progressQuery,
  type RetainItemInput,
  releaseSignal,
  type TerminalStatus,
} from './definitions.js';
import { OPERATION_STATUS } from './search-attributes.js';

export const DEFAULT_BANK_CONCURRENCY = 2;

/** What one kind of operation adds to the life every operation shares. */
export interface OperationBody {
  /** The request as the operation's row records it (a start from another workflow creates the row). */
  params: Record<string, unknown>;
  /** batch_retain started from another workflow: its documents, staged with the row. */
  items?: RetainItemInput[] | undefined;
  /** The work itself; keeps `state.progress` current for the progress query. */
  work(state: OperationProgress): Promise<void>;
}

function describe(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function setStatus(state: OperationProgress, status: OperationStatus): void {
  state.status = status;
  upsertSearchAttributes([{ key: OPERATION_STATUS, value: status }]);
}

/**
 * The life of every operation: make sure its row exists, wait for a slot in the bank (`pending`), run
 * (`running`), then write the terminal state in a scope that cancellation cannot interrupt and give the slot
 * back. Cancellation arrives as Temporal's cancel request (the API, the UI's button, a parent workflow) or as
 * the `cancel` signal (which earlier versions of the API sent); both end here.
 */
export async function runOperation(
  type: OperationType,
  input: OperationInputBase,
  body: OperationBody,
): Promise<OperationOutcome> {
  const { workflowId, startTime } = workflowInfo();
  const state: OperationProgress = {
    operationId: input.operationId,
    bankId: input.bankId,
    type,
    status: input.resume ? 'running' : 'pending',
    progress: input.resume?.progress ?? 0,
    total: input.resume?.total ?? 0,
  };
  const work = new CancellationScope();
  let cancelReason: string | undefined;
  let granted = false;
  setHandler(progressQuery, () => state);
  setHandler(grantSignal, () => {
    granted = true;
  });
  setHandler(cancelSignal, (reason?: string) => {
    cancelReason = reason || 'cancelled by request';
    work.cancel();
  });

  let status: TerminalStatus = 'completed';
  let error: string | null = null;
  let requestedByTemporal: unknown;
  try {
    await work.run(async () => {
      if (cancelReason) throw new CancelledFailure(cancelReason);
      if (!input.resume) {
        const registered = await bookkeeping.registerOperation({
          operationId: input.operationId,
          bankId: input.bankId,
          type,
          workflowId,
          createdAt: startTime.toISOString(),
          params: body.params,
          items: body.items,
        });
        state.total = registered.total;
        await bookkeeping.joinBankQueue({
          bankId: input.bankId,
          entry: { workflowId, operationId: input.operationId, type, seq: registered.seq },
          limit: input.bankConcurrency ?? DEFAULT_BANK_CONCURRENCY,
        });
        await condition(() => granted);
        const row = await bookkeeping.markRunning(input.operationId);
        // Cancelled while queued (the API ends pending operations at once, even with no worker up).
        if (row.status !== 'running') throw new CancelledFailure('cancelled while pending');
        setStatus(state, 'running');
      }
      await body.work(state);
    });
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) {
      status = 'cancelled';
      if (!cancelReason) requestedByTemporal = err;
    } else {
      status = 'failed';
      error = describe(err);
    }
  }

  const outcome = await CancellationScope.nonCancellable(async () => {
    const final = await bookkeeping.finishOperation({ operationId: input.operationId, type, status, error });
    state.progress = final.progress;
    state.total = final.total;
    setStatus(state, final.status);
    await getExternalWorkflowHandle(bankQueueWorkflowId(input.bankId))
      .signal(releaseSignal, workflowId)
      .catch(() => undefined); // no queue left to tell: nothing holds the slot
    await bookkeeping.afterOperation({ operationId: input.operationId, bankId: input.bankId, type });
    return final;
  });
  // A cancel request from Temporal closes the execution as Cancelled, so the UI shows what happened.
  if (requestedByTemporal) throw requestedByTemporal;
  return outcome;
}
