import { describe, expect, it } from 'vitest';
import { OperationWatches } from '../../src/api/operation-watch.js';
import { notFound } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';
import type { OperationView } from '../../src/operations/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function operation(progress: number, status: OperationView['status'] = 'running'): OperationView {
  return {
    operation_id: 'op-1',
    bank_id: 'bank-1',
    type: 'batch_retain',
    status,
    progress,
    total: 100,
    created_at: new Date(0).toISOString(),
    started_at: null,
    completed_at: null,
    error: null,
    result: null,
    follow_up: false,
    triggered_by: null,
    retry_of: null,
    retries: [],
    metadata: {},
  };
}

// The reads of one operation's state, whatever serves them: the fan-out is what is under test.
function source() {
  const state = { reads: 0, progress: 0, status: 'running' as OperationView['status'], gone: false };
  const load = async () => {
    state.reads++;
    if (state.gone) throw notFound('no such operation');
    return operation(state.progress, state.status);
  };
  return { state, load };
}

describe('OperationWatches', () => {
  it('reads an operation once a tick for all of its streams and stops when the last one leaves', async () => {
    const { state, load } = source();
    const watches = new OperationWatches(load, 50, createLogger('silent'));
    const seen = Array.from({ length: 200 }, () => [] as number[]);
    const leave = seen.map((events) =>
      watches.subscribe('bank-1', 'op-1', (u) => 'operation' in u && events.push(u.operation.progress)),
    );
    for (let i = 1; i <= 5; i++) {
      state.progress = i;
      await sleep(60);
    }
    const ticks = state.reads;
    expect(ticks).toBeGreaterThanOrEqual(3);
    expect(ticks).toBeLessThanOrEqual(8); // one read a tick, not one per stream
    for (const events of seen) expect(events.length).toBe(ticks);
    expect(watches.size).toBe(1);

    for (const stop of leave) stop();
    expect(watches.size).toBe(0);
    const after = state.reads;
    await sleep(200);
    expect(state.reads).toBe(after);
  });

  it('hands the terminal state or the operation being gone to every stream, then stops polling', async () => {
    const { state, load } = source();
    const watches = new OperationWatches(load, 20, createLogger('silent'));
    const updates: string[] = [];
    watches.subscribe('bank-1', 'op-1', (u) => updates.push('gone' in u ? 'gone' : u.operation.status));
    watches.subscribe('bank-1', 'op-1', (u) => updates.push('gone' in u ? 'gone' : u.operation.status));
    state.status = 'completed';
    await sleep(100);
    expect(updates).toEqual(['completed', 'completed']);
    expect(watches.size).toBe(0);

    const gone = source();
    gone.state.gone = true;
    const other = new OperationWatches(gone.load, 20, createLogger('silent'));
    const heard: string[] = [];
    other.subscribe('bank-1', 'op-1', (u) => heard.push('gone' in u ? 'gone' : 'state'));
    await sleep(100);
    expect(heard).toEqual(['gone']);
    expect(other.size).toBe(0);
  });
});
