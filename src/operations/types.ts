export const OPERATION_TYPES = ['batch_retain', 'regenerate_observations', 'graph_update'] as const;
export const OPERATION_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

export type OperationType = (typeof OPERATION_TYPES)[number];
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OperationStatus[] = ['completed', 'failed', 'cancelled'];

export function isTerminal(status: OperationStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** The documented response format, field for field and in the documented order. */
export interface OperationView {
  operation_id: string;
  bank_id: string;
  type: OperationType;
  status: OperationStatus;
  progress: number;
  total: number;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  error: string | null;
  result: Record<string, unknown> | null;
  /** Queued by the service after new memories (graph_update, regenerate_observations), not by a caller. */
  follow_up: boolean;
  /** The batch retain whose completion queued this follow-up; null otherwise. */
  triggered_by: string | null;
}
