import { defineQuery, defineSignal } from '@temporalio/workflow';

// The vocabulary shared by the API, the store, the worker and the workflows, defined here once: this module
// imports nothing but the workflow SDK, so workflow bundles stay free of service code.
export const OPERATION_TYPES = [
  'batch_retain',
  'regenerate_observations',
  'graph_update',
  'delete_bank',
  'delete_document',
] as const;
export const OPERATION_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
/** An operation in one of these states has ended for good. */
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;

export type OperationType = (typeof OPERATION_TYPES)[number];
export type OperationStatus = (typeof OPERATION_STATUSES)[number];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isTerminal(status: OperationStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly OperationStatus[]).includes(status);
}

/**
 * Workflow types by name: the API and the worker start workflows with these strings, so they never import a
 * workflow's body (workflows/index.ts exports a function of each name; a test keeps the two in step).
 */
export const WORKFLOW_TYPES = {
  batch_retain: 'batchRetainWorkflow',
  graph_update: 'graphUpdateWorkflow',
  regenerate_observations: 'regenerateObservationsWorkflow',
  delete_bank: 'deleteBankWorkflow',
  delete_document: 'deleteDocumentWorkflow',
  bankQueue: 'bankQueueWorkflow',
  webhookDelivery: 'webhookDeliveryWorkflow',
  reflect: 'reflectWorkflow',
} as const;

// Failure types (`ApplicationFailure.type`) that activities throw and workflows or retry policies read, named
// once so a retry policy cannot drift from what the activity throws.
/** The provider refused the request (a 4xx other than 429): retrying cannot help. */
export const MODEL_REJECTED = 'ModelRejected';
/** The provider said 429; the next attempt waits for its Retry-After. */
export const MODEL_RATE_LIMITED = 'ModelRateLimited';
/** A 5xx, a timeout or a dropped connection: retried with backoff. */
export const MODEL_UNAVAILABLE = 'ModelUnavailable';
/** The deployment's own quota has no room yet: retried when it has. */
export const MODEL_QUOTA = 'ModelQuota';
/** The answer did not validate against its schema: asked again. */
export const INVALID_MODEL_ANSWER = 'InvalidModelAnswer';
/** A reflect's model call did not answer within the time its request waits. */
export const MODEL_TIMEOUT = 'ModelTimeout';
/** The provider kept failing for the whole outage window: the operation fails with this. */
export const MODEL_PROVIDER_DOWN = 'ModelProviderDown';

/** What an operation workflow returns, and what its final bookkeeping activity reads from the store. */
export interface OperationOutcome {
  operation_id: string;
  status: OperationStatus;
  progress: number;
  total: number;
  error: string | null;
}

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

export interface DeleteInput extends OperationInputBase {
  /** delete_document: the document whose memories go. */
  documentId?: string;
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

export interface WebhookDeliveryInput {
  webhookId: string;
  eventId: string;
  bankId: string;
  /** Delay before the first retry; each later one doubles, up to an hour. */
  retryInitialIntervalMs?: number;
}

export interface WebhookDeliveryOutcome {
  status: 'delivered' | 'failed' | 'skipped';
}

/** One memory a reflect answer is grounded in: what the model was given, in the published clients' shape. */
export interface ReflectMemory {
  id: string;
  text: string;
  type: 'world';
  context: string | null;
  occurred_start: string | null;
  occurred_end: string | null;
}

export interface ReflectInput {
  bankId: string;
  query: string;
  context?: string | null;
  /** Memories recalled for the model, at most. */
  limit: number;
  /** Provider call timeout; the answer is awaited for `outageTimeoutMs` at most (HINDSIGHT_REFLECT_WAIT_MS). */
  models: ModelSteps;
}

export interface ReflectOutcome {
  text: string;
  /** Every memory the model was given (none: the model was not asked). */
  memories: ReflectMemory[];
  usage: { input_tokens: number; output_tokens: number; total_tokens: number } | null;
}

export const bankQueueWorkflowId = (bankId: string) => `bank-queue/${bankId}`;
/** A reflect's id: the bank and a random id per request (reflect answers are not kept). */
export const reflectWorkflowId = (bankId: string, requestId: string) => `reflect/${bankId}/${requestId}`;
export const operationWorkflowId = (type: OperationType, bankId: string, operationId: string) =>
  `${type}/${bankId}/${operationId}`;

/** Maintenance operations rewrite shared per-bank state, so two of them never run at once in a bank. */
export const isExclusive = (type: OperationType) => type !== 'batch_retain';

/**
 * Deletes run alone in their bank: one waits for every operation admitted before it to end, and nothing
 * queued after it starts until it has ended (a retain never writes into what is being deleted).
 */
export const runsAlone = (type: OperationType) => type === 'delete_bank' || type === 'delete_document';
