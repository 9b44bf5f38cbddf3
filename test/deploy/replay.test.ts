import { readFileSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import * as workflowTypes from '../../workflows/index.js';
import { readHistoryRecords } from './history-files.js';

// Real histories recorded from a dev server by `npm run histories:record`. Replaying them against today's
// workflow code is what a worker does when it picks up an operation that an older worker started: a change
// that would make such an operation fail with a non-determinism error fails here first.
const records = readHistoryRecords();

const SCENARIOS = [
  'batch_retain-completed-over-runs',
  'batch_retain-cancelled-pending',
  'batch_retain-cancelled-running',
  'batch_retain-failed-chunk',
  'graph_update',
  'regenerate_observations',
  'bank_queue',
  'webhook_delivery-retried',
  'delete_document',
  'delete_bank',
  'bank_queue-deletes',
  'reflect',
  'reflect-no-memories',
  'reflect-provider-failed',
];

describe('recorded workflow histories', () => {
  it('cover every workflow type and every recorded scenario', () => {
    expect(new Set(records.map((r) => r.workflowType))).toEqual(new Set(Object.keys(workflowTypes)));
    const scenarios = new Set(records.map((r) => r.scenario));
    expect(SCENARIOS.filter((s) => !scenarios.has(s))).toEqual([]);
    const overRuns = records.filter((r) => r.scenario === 'batch_retain-completed-over-runs');
    expect(overRuns.length, 'a batch retain that continued as new').toBeGreaterThan(1);
  });

  it(`all replay against today's workflow code`, async () => {
    const workflowBundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
    const failures: string[] = [];
    let replayed = 0;
    const histories = records.map(({ workflowId, history }) => ({ workflowId, history }));
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
      const { file } = records[replayed++]!;
      if (result.error) failures.push(`${file}: ${result.error.name}: ${result.error.message}`);
    }
    expect(replayed).toBe(records.length);
    expect(failures).toEqual([]);
  });
});
