import { httpInstrumentationMiddleware } from '@hono/otel';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { tooLarge } from '../errors.js';
import { httpMetrics } from '../metrics.js';
import { StorageWatch } from '../store/storage.js';
import { annotateSpan } from '../tracing/index.js';
import { apiKeyAuth } from './auth.js';
import { compressJson } from './compress.js';
import type { AppDeps } from './deps.js';
import { refuseEarly } from './early-refusal.js';
import { errorBody, handleError } from './errors.js';
import { isLoopbackBind, loopbackHostCheck } from './host-check.js';
import { bankDeleteRoutes } from './routes/bank-delete.js';
import { bankListRoutes, bankRoutes } from './routes/banks.js';
import { documentRoutes } from './routes/documents.js';
import { entityRoutes } from './routes/entities.js';
import { eventRoutes, eventStreamLimiter } from './routes/events.js';
import { fileRoutes } from './routes/files.js';
import { maintenanceRoutes } from './routes/maintenance.js';
import { memoryRoutes } from './routes/memories.js';
import { metaRoutes } from './routes/meta.js';
import { operationExtraRoutes } from './routes/operation-extras.js';
import { operationRoutes } from './routes/operations.js';
import { reflectRoutes } from './routes/reflect.js';
import { systemRoutes } from './routes/system.js';
import { unservedBankRoutes, unservedRoutes } from './routes/unserved.js';
import { webhookRoutes } from './routes/webhooks.js';

export const BANK_PATH = '/v1/default/banks/:bank_id';

export function createApp(deps: AppDeps) {
  const app = new Hono();
  const storage = new StorageWatch();
  app.onError(handleError(deps.logger, storage));
  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  const streams = eventStreamLimiter(deps.config.limits);
  // First of all, so a client retrying past its bound costs next to nothing (see refuseEarly).
  app.use(
    `${BANK_PATH}/operations/:operation_id/events`,
    refuseEarly(streams, { keysOn: deps.config.apiKeys.size > 0 }),
  );
  // A server span per request (a child of the caller's W3C traceparent); a no-op while tracing is off.
  app.use('*', httpInstrumentationMiddleware());
  app.use(`${BANK_PATH}/*`, async (c, next) => {
    annotateSpan({ bankId: c.req.param('bank_id') });
    await next();
  });
  app.use('*', httpMetrics.registerMetrics);
  app.use('*', compressJson());
  // Without keys, a loopback server is open to any web page that rebinds a name of its own to 127.0.0.1.
  if (deps.config.apiKeys.size === 0 && isLoopbackBind(deps.config.host)) {
    app.use('*', loopbackHostCheck(deps.config.allowedHosts));
  }
  app.use('*', apiKeyAuth(deps.config.apiKeys));
  // Every body is read into memory, so the cap holds for every route, not only retain.
  app.use(
    '*',
    bodyLimit({
      maxSize: deps.config.maxBodyBytes,
      onError: () => {
        throw tooLarge(
          `request body is over ${deps.config.maxBodyBytes} bytes: split the batch into several requests`,
        );
      },
    }),
  );

  app.get('/health', async (c) => {
    const report = await deps.health();
    const noSpace = report.parts.database?.status === 'ok' ? await storage.problem(deps.db) : undefined;
    if (noSpace) {
      report.parts.database = { status: 'unavailable', error: noSpace };
      report.status = 'unavailable';
    }
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });
  app.route(`${BANK_PATH}/operations`, operationRoutes(deps));
  app.route(`${BANK_PATH}/operations`, eventRoutes(deps, streams));
  app.route(`${BANK_PATH}/operations`, operationExtraRoutes(deps));
  app.route(`${BANK_PATH}/memories`, memoryRoutes(deps));
  app.route(`${BANK_PATH}/entities`, entityRoutes(deps));
  app.route(BANK_PATH, maintenanceRoutes(deps));
  app.route(`${BANK_PATH}/documents`, documentRoutes(deps));
  app.route(BANK_PATH, bankDeleteRoutes(deps));
  app.route(`${BANK_PATH}/webhooks`, webhookRoutes(deps));
  app.route(`${BANK_PATH}/reflect`, reflectRoutes(deps));
  app.route(`${BANK_PATH}/files`, fileRoutes(deps));
  app.route(BANK_PATH, bankRoutes(deps));
  app.route('/v1/default/banks', bankListRoutes(deps));
  app.route('/', metaRoutes(deps));
  app.route('/', systemRoutes(deps));
  // Last: the Hindsight features this service does not serve answer 501 naming the feature.
  app.route(BANK_PATH, unservedBankRoutes());
  app.route('/', unservedRoutes());
  return app;
}
