import { Gauge, Registry } from 'prom-client';
import { OPERATION_STATUSES, OPERATION_TYPES } from '../operations/types.js';
import type { Database } from '../store/db.js';
import { countOperationsByTypeAndStatus } from '../store/operations.js';
import { countDeliveriesByStatus } from '../store/webhooks.js';

const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;

/**
 * Gauges read from the store at scrape time: the operation queue and the webhook outbox. A registry of their
 * own per app, since each app may talk to another store.
 */
export function storeMetrics(db: Database): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'hindsight_operations',
    help: 'Operations in the store by type and status (pending and running are the queue).',
    labelNames: ['type', 'status'],
    registers: [registry],
    async collect() {
      const rows = await countOperationsByTypeAndStatus(db);
      const byKey = new Map(rows.map((r) => [`${r.type}/${r.status}`, r.n]));
      for (const type of OPERATION_TYPES) {
        for (const status of OPERATION_STATUSES)
          this.set({ type, status }, byKey.get(`${type}/${status}`) ?? 0);
      }
    },
  });
  new Gauge({
    name: 'hindsight_webhook_deliveries',
    help: 'Webhook deliveries in the store by status.',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const rows = await countDeliveriesByStatus(db);
      for (const status of DELIVERY_STATUSES)
        this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
    },
  });
  return registry;
}
