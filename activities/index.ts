import type { Client } from '@temporalio/client';
import type { Config } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import { joinBankQueue } from '../src/operations/bank-queue.js';
import type { ExtractionPool } from '../src/retain/extraction-pool.js';
import type { Database } from '../src/store/db.js';
import { itemsAwaitingFacts } from '../src/store/model-answers.js';
import { getOperationById, toView } from '../src/store/operations.js';
import type { TrackedCalls } from '../src/temporal/tracked-calls.js';
import type { OperationType } from '../workflows/definitions.js';
import {
  finishOperationActivity,
  markOperationRunning,
  type RegisterOperationInput,
  registerOperation,
} from './bookkeeping.js';
import { deleteRows, prepareDelete } from './deletes.js';
import { type GraphChunkInput, graphChunk, prepareGraphUpdate } from './graph.js';
import { createModelActivities } from './models.js';
import {
  entitiesAwaitingModel,
  type ObservationsChunkInput,
  observationsChunk,
  prepareObservations,
} from './observations.js';
import { recallForReflect } from './reflect.js';
import { type RetainChunkInput, retainChunk } from './retain.js';
import { createWebhookActivities } from './webhooks.js';

export interface ActivityDeps {
  db: Database;
  client: Client;
  /** Temporal calls activities make through the client: with a deadline, drained before it closes. */
  calls: TrackedCalls;
  config: Config;
  logger: Logger;
  /**
   * Starts the workflows of the bank's pending follow-ups (their rows were queued with the retain's
   * completion). Injected by whoever assembles the worker, so activities never reach into the API's service.
   */
  startFollowUps: (bankId: string) => Promise<void>;
  extraction: ExtractionPool;
  /** Called once an operation has ended (webhook delivery hooks in here). */
  onOperationEnded?: (operation: ReturnType<typeof toView>, key: string) => Promise<void>;
}

/** Activities close over their dependencies; workflows see only this object's type. */
export function createActivities(deps: ActivityDeps) {
  const { db } = deps;
  // Each attempt's duration (and the operation facts some return) is recorded by the worker's activityMetrics
  // interceptor (src/temporal/activity-metrics.ts).
  return {
    registerOperation: (input: RegisterOperationInput) => registerOperation(db, input),
    joinBankQueue: (input: Parameters<typeof joinBankQueue>[2]) =>
      deps.calls.run(() => joinBankQueue(deps.client, deps.config, input)),
    markRunning: (operationId: string) => markOperationRunning(db, operationId),
    finishOperation: (input: Parameters<typeof finishOperationActivity>[1]) =>
      finishOperationActivity(db, input),
    retainChunk: (input: RetainChunkInput) => retainChunk(db, deps.extraction, input),
    prepareGraphUpdate: (input: Parameters<typeof prepareGraphUpdate>[1]) => prepareGraphUpdate(db, input),
    graphChunk: (input: GraphChunkInput) => graphChunk(db, input),
    prepareObservations: (input: Parameters<typeof prepareObservations>[1]) => prepareObservations(db, input),
    observationsChunk: (input: ObservationsChunkInput) => observationsChunk(db, input),
    /** Follow-up work after a completed batch retain, and notifications for every ending. */
    afterOperation: async (input: { operationId: string; bankId: string; type: OperationType }) => {
      const row = await getOperationById(db, input.operationId);
      if (!row) return;
      if (row.type === 'batch_retain' && row.status === 'completed') {
        await deps.startFollowUps(input.bankId);
      }
      await deps.onOperationEnded?.(toView(row), row.id);
    },
    prepareDelete: (input: Parameters<typeof prepareDelete>[1]) => prepareDelete(db, input),
    deleteRows: (input: Parameters<typeof deleteRows>[1]) => deleteRows(db, input),
    entitiesAwaitingModel: (input: Parameters<typeof entitiesAwaitingModel>[1]) =>
      entitiesAwaitingModel(db, input),
    itemsAwaitingFacts: (input: { operationId: string; start: number; end: number }) =>
      itemsAwaitingFacts(db, input.operationId, input.start, input.end),
    recallForReflect: (input: Parameters<typeof recallForReflect>[1]) =>
      recallForReflect({ db, models: deps.config.models, logger: deps.logger }, input),
    ...createWebhookActivities(deps),
    // Scheduled on the model task queue (see src/temporal/worker.ts); listed here for the workflows' types.
    ...modelActivities(deps),
  };
}

/** The activities that call a model provider: one provider call per attempt, results stored before they end. */
export function modelActivities(deps: ActivityDeps) {
  return createModelActivities({ db: deps.db, models: deps.config.models, logger: deps.logger });
}

export type Activities = ReturnType<typeof createActivities>;
