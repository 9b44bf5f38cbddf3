import type { Client, WorkflowStartOptions } from '@temporalio/client';
import {
  type BatchRetainInput,
  type DeleteInput,
  type GraphUpdateInput,
  type ModelSteps,
  type RegenerateObservationsInput,
  WORKFLOW_TYPES,
} from '../../workflows/definitions.js';
import type { Config } from '../config.js';
import type { OperationRow } from '../store/operations.js';
import { BANK_ID, OPERATION_STATUS, OPERATION_TYPE } from '../temporal/search-attributes.js';

function summaryOf(row: OperationRow): string {
  switch (row.type) {
    case 'batch_retain':
      return `Retain ${row.total} documents into bank ${row.bank_id} (operation ${row.public_id})`;
    case 'graph_update':
      return `${row.params.full_rebuild ? 'Rebuild' : 'Update'} memory links of bank ${row.bank_id} (operation ${row.public_id})`;
    case 'regenerate_observations':
      return `Regenerate entity observations of bank ${row.bank_id} (operation ${row.public_id})`;
    case 'delete_bank':
      return `Delete bank ${row.bank_id} (operation ${row.public_id})`;
    case 'delete_document':
      return `Delete document ${row.params.document_id} of bank ${row.bank_id} (operation ${row.public_id})`;
  }
}

/** The model steps an operation takes, when a provider is configured (absent: the built-in extractor). */
function modelSteps(config: Config): { models?: ModelSteps } {
  const { chat, embeddings, callTimeoutMs, outageTimeoutMs } = config.models;
  if (!chat && !embeddings) return {};
  return { models: { chat: chat !== null, embeddings: embeddings !== null, callTimeoutMs, outageTimeoutMs } };
}

/** At most this many chunk activities per retain, whatever its size. */
const MAX_CHUNKS = 32;

/**
 * The configured chunk size, or larger for a large batch: every chunk adds about seven events to the workflow's
 * history, which the Temporal UI replays to show or query a run, so a 60,000-document retain should not take
 * hundreds of chunks. Progress, heartbeats and cancellation work per write batch inside a chunk, so larger
 * chunks cost none of them.
 */
export function chunkSizeFor(total: number, config: Pick<Config, 'chunkSize'>): number {
  return Math.max(config.chunkSize, Math.ceil(total / MAX_CHUNKS));
}

/**
 * Starts the workflow behind an operation row. Idempotent: when the workflow is already running the call
 * attaches to it, so a retried submit or the reconciler can call it again safely.
 */
export async function startOperationWorkflow(
  client: Client,
  config: Config,
  row: OperationRow,
): Promise<void> {
  // Workflows and their activities carry the store's key; callers see the public id (memo, summary).
  const base = { operationId: row.id, bankId: row.bank_id, bankConcurrency: config.bankConcurrency };
  const options: Omit<WorkflowStartOptions, 'args'> = {
    workflowId: row.workflow_id,
    taskQueue: config.temporal.taskQueue,
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: [
      { key: BANK_ID, value: row.bank_id },
      { key: OPERATION_TYPE, value: row.type },
      { key: OPERATION_STATUS, value: row.status },
    ],
    // The caller's labels too, so the run of "the import of customer X" is recognisable in the UI.
    memo: {
      bankId: row.bank_id,
      operationId: row.public_id,
      type: row.type,
      total: row.total,
      ...(Object.keys(row.metadata ?? {}).length > 0 ? { metadata: row.metadata } : {}),
    },
    // Shown at the top of the run in the Temporal UI.
    staticSummary: summaryOf(row),
  };
  switch (row.type) {
    case 'batch_retain':
      await client.workflow.start(WORKFLOW_TYPES.batch_retain, {
        ...options,
        args: [
          {
            ...base,
            chunkSize: chunkSizeFor(row.total, config),
            chunkConcurrency: config.chunkConcurrency,
            ...modelSteps(config),
          } satisfies BatchRetainInput,
        ],
      });
      return;
    case 'graph_update':
      await client.workflow.start(WORKFLOW_TYPES.graph_update, {
        ...options,
        args: [{ ...base, fullRebuild: row.params.full_rebuild === true } satisfies GraphUpdateInput],
      });
      return;
    case 'regenerate_observations': {
      const entityIds = Array.isArray(row.params.entity_ids)
        ? (row.params.entity_ids as string[])
        : undefined;
      await client.workflow.start(WORKFLOW_TYPES.regenerate_observations, {
        ...options,
        args: [{ ...base, entityIds, ...modelSteps(config) } satisfies RegenerateObservationsInput],
      });
      return;
    }
    case 'delete_bank':
    case 'delete_document': {
      const documentId = typeof row.params.document_id === 'string' ? row.params.document_id : undefined;
      await client.workflow.start(WORKFLOW_TYPES[row.type], {
        ...options,
        args: [{ ...base, ...(documentId === undefined ? {} : { documentId }) } satisfies DeleteInput],
      });
      return;
    }
  }
}
