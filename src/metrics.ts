import { prometheus } from '@hono/prometheus';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

// Prometheus metrics of this process, through prom-client: its default process metrics (CPU, heap, event-loop
// lag, GC), the HTTP metrics of @hono/prometheus, and the operation metrics below. The store-backed gauges
// live with the /metrics route, which knows the store.

/** One registry per process: the API and the worker share it when they run together. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** `http_request_duration_seconds` and `http_requests_total` by method, route, status; one set per process. */
export const httpMetrics = prometheus({ registry });

export const metrics = {
  operationsStarted: new Counter({
    name: 'hindsight_operations_started_total',
    help: 'Operations whose workflow began (joined its bank queue), by type.',
    labelNames: ['type'],
    registers: [registry],
  }),
  operationsFinished: new Counter({
    name: 'hindsight_operations_finished_total',
    help: 'Operations that reached a terminal state, by type and status.',
    labelNames: ['type', 'status'],
    registers: [registry],
  }),
  itemsProcessed: new Counter({
    name: 'hindsight_items_processed_total',
    help: 'Work items processed by chunk activities (documents, memories, entities), by operation type.',
    labelNames: ['type'],
    registers: [registry],
  }),
  activityDuration: new Histogram({
    name: 'hindsight_activity_duration_seconds',
    help: 'Duration of each activity attempt run by this process, by activity and outcome.',
    labelNames: ['activity', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  }),
  webhookDeliveries: new Counter({
    name: 'hindsight_webhook_delivery_attempts_total',
    help: 'Webhook delivery attempts made by this process, by outcome (delivered, failed).',
    labelNames: ['outcome'],
    registers: [registry],
  }),
  // Model provider calls: what they cost and why they failed, by model.
  modelCalls: new Counter({
    name: 'hindsight_model_calls_total',
    help: 'Model provider calls made by this process, by model and outcome (ok, invalid_answer, rate_limited, unavailable, rejected).',
    labelNames: ['model', 'outcome'],
    registers: [registry],
  }),
  modelTokens: new Counter({
    name: 'hindsight_model_tokens_total',
    help: 'Tokens the model provider reported for calls made by this process, by model and kind (prompt, completion).',
    labelNames: ['model', 'kind'],
    registers: [registry],
  }),
  modelQuotaWait: new Counter({
    name: 'hindsight_model_quota_wait_seconds_total',
    help: 'Seconds model calls of this process waited for a model quota, in their attempt or handed back to wait between attempts, by model and quota (HINDSIGHT_MODEL_REQUESTS_PER_MINUTE, HINDSIGHT_MODEL_TOKENS_PER_MINUTE).',
    labelNames: ['model', 'quota'],
    registers: [registry],
  }),
};
