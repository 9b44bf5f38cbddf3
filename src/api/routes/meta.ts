import { Hono } from 'hono';
import { registry } from '../../metrics.js';
import type { AppDeps } from '../deps.js';
import { DOCS_PAGE, docsAsset, isDocsAsset } from '../docs-page.js';
import { errorBody } from '../errors.js';
import { openApiDocument } from '../openapi.js';
import { storeMetrics } from '../store-metrics.js';

/** The API's own description, its reference page, and Prometheus metrics. */
export function metaRoutes(deps: AppDeps) {
  const store = storeMetrics(deps.db);
  return (
    new Hono()
      .get('/openapi.json', (c) => c.json(openApiDocument()))
      .get('/docs', (c) => c.html(DOCS_PAGE))
      // The page's links are relative to /docs, so /docs/ sends the browser there (relative, for proxy prefixes).
      .get('/docs/', (c) => c.redirect('../docs', 301))
      .get('/docs/:file', async (c) => {
        const name = c.req.param('file');
        if (!isDocsAsset(name))
          return c.json(errorBody('not_found', `no file ${name} in the reference page`), 404);
        const { body, contentType } = await docsAsset(name);
        return c.body(body, 200, { 'content-type': contentType, 'cache-control': 'public, max-age=3600' });
      })
      .get('/metrics', async (c) => {
        let text = (await registry.metrics()) + (await store.metrics());
        const workerMetrics = deps.config.workerMetricsAddress;
        if (workerMetrics) {
          text += `# Temporal worker runtime metrics: http://${workerMetrics}/metrics (HINDSIGHT_WORKER_METRICS_ADDRESS)\n`;
        }
        return c.body(text, 200, { 'content-type': registry.contentType });
      })
  );
}
