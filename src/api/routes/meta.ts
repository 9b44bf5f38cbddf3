import { Hono } from 'hono';
import { PROMETHEUS_CONTENT_TYPE, registry, renderGauge } from '../../metrics.js';
import { OPERATION_STATUSES, OPERATION_TYPES } from '../../operations/types.js';
import type { AppDeps } from '../deps.js';
import { DOCS_PAGE, docsAsset, isDocsAsset } from '../docs-page.js';
import { errorBody } from '../errors.js';
import { openApiDocument } from '../openapi.js';

/** The API's own description, its reference page, and Prometheus metrics. */
export function metaRoutes(deps: AppDeps) {
  return new Hono()
    .get('/openapi.json', (c) => c.json(openApiDocument()))
    .get('/docs', (c) => c.html(DOCS_PAGE))
    .get('/docs/:file', async (c) => {
      const name = c.req.param('file');
      if (!isDocsAsset(name))
        return c.json(errorBody('not_found', `no file ${name} in the reference page`), 404);
      const { body, contentType } = await docsAsset(name);
      return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'public, max-age=3600' });
    })
    .get('/metrics', async (c) => {
      const counts = await deps.db.query<{ type: string; status: string; n: number }>(
        'SELECT type, status, count(*)::int AS n FROM operations GROUP BY type, status',
      );
      const deliveries = await deps.db.query<{ status: string; n: number }>(
        'SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status',
      );
      const byKey = new Map(counts.map((r) => [`${r.type}/${r.status}`, r.n]));
      const lines = [
        ...registry.render(),
        ...renderGauge(
          'hindsight_operations',
          'Operations in the store by type and status (pending and running are the queue).',
          OPERATION_TYPES.flatMap((type) =>
            OPERATION_STATUSES.map((status) => ({
              labels: { type, status },
              value: byKey.get(`${type}/${status}`) ?? 0,
            })),
          ),
        ),
        ...renderGauge(
          'hindsight_webhook_deliveries',
          'Webhook deliveries in the store by status.',
          ['pending', 'delivered', 'failed'].map((status) => ({
            labels: { status },
            value: deliveries.find((r) => r.status === status)?.n ?? 0,
          })),
        ),
      ];
      const workerMetrics = deps.config.workerMetricsAddress;
      if (workerMetrics) {
        lines.push(
          `# Temporal worker runtime metrics: http://${workerMetrics}/metrics (HINDSIGHT_WORKER_METRICS_ADDRESS)`,
        );
      }
      return c.body(`${lines.join('\n')}\n`, 200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
    });
}
