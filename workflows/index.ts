// The workflow bundle's entry point: every function exported here is a workflow type.
export { bankQueueWorkflow } from './bank-queue.js';
export { batchRetainWorkflow } from './batch-retain.js';
export { deleteBankWorkflow, deleteDocumentWorkflow } from './deletes.js';
export { graphUpdateWorkflow } from './graph-update.js';
export { reflectWorkflow } from './reflect.js';
export { regenerateObservationsWorkflow } from './regenerate-observations.js';
export { webhookDeliveryWorkflow } from './webhook-delivery.js';
