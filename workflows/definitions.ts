import { defineQuery, defineSignal } from '@temporalio/workflow';

// Plain string unions rather than imports from src/, so workflow bundles stay free of service code.
export type OperationType = 'batch_retain' | 'regenerate_observations' | 'graph_update';
export type OperationStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/** A document handed to a batch retain started by another workflow (API submits stage them in the store). */
export interface RetainItemInput {
  content: string;
  context?: string | null;
  timestamp?: string | null;
  document_id?: string | null;
  metadata?: Record<string, string> | null;
  tags?: string[] | null;
}

export interface OperationInputBase {
  operationId: string;
  bankId: string;
  /** Operations of one bank that may run at once (the rest wait as `pending`). */
  bankConcurrency?: number;
  /** Set by continue-as-new: the operation already holds its bank slot and is running. */
  resume?: ResumeState;
}

export interface ResumeState {
  progress: number;
  /** batch_retain: first item index not yet scheduled. */
  nextIndex?: number;
  /** graph_update: the snapshot time that bounds which memories this run links. */
  cutoff?: string;
  /** regenerate_observations: last entity id processed. */
  afterId?: string;
  total: number;
  totals?: Record<string, number>;
}

/** Which steps ask a model provider, and how long a provider may stay down before the operation fails. */
export interface ModelSteps {
  chat: boolean;
  embeddings: boolean;
  /** Longest a provider call may take. */
  callTimeoutMs: number;
  /** How long a step keeps retrying a provider that fails before the operation fails. */
  outageTimeoutMs: number;
}

/** Model calls run on a task queue of their own, whose rate limit is the deployment's provider quota. */
export const modelTaskQueue = (taskQueue: string) => `${taskQueue}-models`;

export interface BatchRetainInput extends OperationInputBase {
  /** Set when a model provider is configured: facts and embeddings come from it. */
  models?: ModelSteps;
  /** Only for starts from other workflows; bounded by Temporal's payload limit (keep it to a few MB). */
  items?: RetainItemInput[];
  chunkSize?: number;
  chunkConcurrency?: number;
}

export interface GraphUpdateInput extends OperationInputBase {
  fullRebuild?: boolean;
  chunkSize?: number;
}

export interface RegenerateObservationsInput extends OperationInputBase {
  /** Set when a chat model is configured: observations come from it. */
  models?: ModelSteps;
  /** Only these entities; all of the bank's when absent. */
  entityIds?: string[];
  chunkSize?: number;
}

export interface OperationProgress {
  operationId: string;
  bankId: string;
  type: OperationType;
  status: OperationStatus;
  progress: number;
  total: number;
}

/** Cancels the operation (pending: it never runs; running: it stops after in-flight writes). */
export const cancelSignal = defineSignal<[reason?: string]>('cancel');
/** Live progress of an operation workflow. */
export const progressQuery = defineQuery<OperationProgress>('progress');

export interface QueueEntry {
  workflowId: string;
  operationId: string;
  type: OperationType;
  /** Submission order: signals can arrive out of order, the queue stays in this one. */
  seq: number;
}

export interface BankQueueState {
  bankId: string;
  limit: number;
  queue: QueueEntry[];
  running: QueueEntry[];
}

/** Sent by an operation workflow (through an activity's signal-with-start) to wait for a slot in its bank. */
export const enqueueSignal = defineSignal<[entry: QueueEntry, limit: number]>('enqueue');
/** Sent when an operation ends or gives up its place in the queue. */
export const releaseSignal = defineSignal<[workflowId: string]>('release');
/** Sent by the bank queue to the operation it lets run. */
export const grantSignal = defineSignal('grant');
export const bankQueueStateQuery = defineQuery<BankQueueState>('state');

export const bankQueueWorkflowId = (bankId: string) => `bank-queue/${bankId}`;
export const operationWorkflowId = (type: OperationType, bankId: string, operationId: string) =>
  `${type}/${bankId}/${operationId}`;

/** Maintenance operations rewrite shared per-bank state, so two of them never run at once in a bank. */
export const isExclusive = (type: OperationType) => type !== 'batch_retain';
