import { createRequire } from 'node:module';
import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

/** What this service can do, in the published clients' `features` shape. */
const features = (deps: AppDeps) => ({
  observations: true,
  mcp: false,
  worker: true,
  bank_config_api: true,
  file_upload_api: false,
  reflect: deps.config.models.chat !== null,
  embeddings: deps.config.models.embeddings !== null,
  bank_llm_health: false,
  document_export_api: false,
  document_import_api: false,
  audit_log: false,
  llm_trace: false,
  store_document_text: false,
});

/**
 * Version and the probes an orchestrator sends: `/health/live` says the process answers (it checks nothing
 * else, so a slow store never gets the process restarted); `/health/ready` is `/health` — the store, Temporal's
 * server and the worker answer — with 503 while any does not, so no traffic is sent its way.
 */
export function systemRoutes(deps: AppDeps) {
  return new Hono()
    .get('/version', (c) => c.json({ api_version: version, features: features(deps) }))
    .get('/health/live', (c) =>
      c.json({ status: 'alive', version, uptime_seconds: Math.round(process.uptime() * 1000) / 1000 }),
    )
    .get('/health/ready', async (c) => {
      const report = await deps.health();
      return c.json(report, report.status === 'ok' ? 200 : 503);
    });
}
