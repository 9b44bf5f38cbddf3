// The operation vocabulary as the API names it. Types, statuses and `isTerminal` are defined once, in the
// bundle-safe workflows/definitions.ts; the response format is the store's projection of its row.
export {
  isTerminal,
  OPERATION_STATUSES,
  OPERATION_TYPES,
  type OperationStatus,
  type OperationType,
  TERMINAL_STATUSES,
} from '../../workflows/definitions.js';
export type { OperationView } from '../store/operations.js';
