import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type BankQueueState,
  bankQueueStateQuery,
  enqueueSignal,
  grantSignal,
  isExclusive,
  type QueueEntry,
  releaseSignal,
  runsAlone,
} from './definitions.js';
import { continueInNewRun } from './new-run.js';

const IDLE_EXIT = '10 minutes';

/**
 * A run's own history bound, below the server's default suggestion (4 Ki events), so a flood of operations
 * cannot grow one run without limit even on a cluster configured to suggest late.
 */
export const MAX_RUN_EVENTS = 2_000;
/** Runs recorded before the bound existed replay without it (see docs/ARCHITECTURE.md). */
const BOUNDED_RUN_PATCH = 'bank-queue-bounded-run';

/** Whether this run should hand its state to a new one now. */
function newRunDue(): boolean {
  const { continueAsNewSuggested, historyLength } = workflowInfo();
  return patched(BOUNDED_RUN_PATCH)
    ? continueAsNewSuggested || historyLength >= MAX_RUN_EVENTS
    : continueAsNewSuggested;
}

/**
 * One per bank: admits the bank's operations in FIFO order, at most `limit` at a time, and never two
 * maintenance operations together. Its state is durable, so the queue survives worker and server restarts,
 * and it is visible in the Temporal UI (query `state`).
 */
export async function bankQueueWorkflow(initial: BankQueueState): Promise<void> {
  const state: BankQueueState = { ...initial, queue: [...initial.queue], running: [...initial.running] };
  let changes = 0;
  const known = (id: string) => [...state.queue, ...state.running].some((e) => e.workflowId === id);

  setHandler(enqueueSignal, (entry: QueueEntry, limit: number) => {
    state.limit = limit;
    if (!known(entry.workflowId)) {
      const before = state.queue.findIndex((e) => e.seq > entry.seq);
      state.queue.splice(before === -1 ? state.queue.length : before, 0, entry);
    }
    changes++;
  });
  setHandler(releaseSignal, (workflowId: string) => {
    state.queue = state.queue.filter((e) => e.workflowId !== workflowId);
    state.running = state.running.filter((e) => e.workflowId !== workflowId);
    changes++;
  });
  setHandler(bankQueueStateQuery, () => state);

  for (;;) {
    // Read before admitting: a signal that lands while a grant is being sent must wake the next round.
    const seen = changes;
    await admit(state);
    if (newRunDue()) await continueInNewRun<typeof bankQueueWorkflow>(state);
    const idle = state.queue.length === 0 && state.running.length === 0;
    const changed = await condition(() => changes !== seen, idle ? IDLE_EXIT : undefined);
    if (!changed && state.queue.length === 0 && state.running.length === 0) {
      await condition(allHandlersFinished);
      return;
    }
  }
}

async function admit(state: BankQueueState): Promise<void> {
  for (const entry of [...state.queue]) {
    if (state.running.length >= state.limit) return;
    // Grants to operations that are gone free their slot at once: without this stop, a long queue of them
    // would all be granted in one run however long its history grew.
    if (patched(BOUNDED_RUN_PATCH) && newRunDue()) return;
    if (!state.queue.includes(entry)) continue; // released while an earlier grant was being sent
    // Histories recorded before deletes existed hold none, so these stops change none of their commands.
    if (state.running.some((r) => runsAlone(r.type))) return;
    if (runsAlone(entry.type) && state.running.length > 0) return; // nothing behind it overtakes it
    if (isExclusive(entry.type) && state.running.some((r) => isExclusive(r.type))) continue;
    state.queue = state.queue.filter((e) => e !== entry);
    state.running.push(entry);
    try {
      await getExternalWorkflowHandle(entry.workflowId).signal(grantSignal);
    } catch {
      // The operation's workflow is gone (terminated from outside): its slot is free again.
      state.running = state.running.filter((e) => e !== entry);
    }
  }
}
