import { Hono } from 'hono';
import { notServed } from '../../errors.js';

/**
 * Routes of the Hindsight API that the published clients call and this service does not serve. Each answers
 * 501 naming its feature, so a client's call fails with a reason instead of a 404 that reads like a typo.
 * Registered after the real routes: a served route is never shadowed.
 */
const FEATURES: [prefix: string, feature: string][] = [
  ['/directives', 'directives'],
  ['/mental-models', 'mental models'],
  ['/knowledge-base', 'the knowledge base'],
  ['/document-transfer', 'document import and export'],
  ['/transfer', 'bank import and export'],
  ['/clone', 'bank cloning'],
  ['/import', 'bank templates'],
  ['/export', 'bank templates'],
  ['/graph', 'the graph view'],
  ['/tags', 'tag listing'],
  ['/background', 'bank backgrounds (set it with PUT /v1/default/banks/{bank_id})'],
  ['/observations', 'observation scopes and clearing'],
  ['/consolidation', 'consolidation recovery'],
  ['/consolidate', 'consolidation'],
  ['/consolidation-strategies', 'consolidation strategies'],
  ['/audit-logs', 'audit logs'],
  ['/llm-requests', 'model request logs'],
  ['/attachments', 'attachments'],
  ['/health/llm', 'the model provider test'],
  ['/stats/memories-timeseries', 'memory time series'],
  ['/entities/graph', 'the entity graph'],
  ['/memories/dry-run-extract', 'dry-run extraction'],
];

const TOP_LEVEL: [path: string, feature: string][] = [
  ['/v1/default/chunks/*', 'chunks'],
  ['/v1/default/files/download/*', 'file downloads'],
  ['/v1/bank-template-schema', 'bank templates'],
];

const answer = (feature: string) => () => {
  throw notServed(`${feature} is not served by this Hindsight service`);
};

/** Per bank: mounted at the bank path. */
export function unservedBankRoutes() {
  const app = new Hono();
  for (const [prefix, feature] of FEATURES) {
    app.all(prefix, answer(feature));
    // Served routes live under these two (graph/update, observations/regenerate): only the bare path is unserved.
    if (prefix !== '/graph' && prefix !== '/observations') app.all(`${prefix}/*`, answer(feature));
  }
  // Memory history and per-memory observation clearing: /memories/{id}/history, /memories/{id}/observations.
  app.all('/memories/:memory_id/history', answer('memory history'));
  app.all('/memories/:memory_id/observations', answer('per-memory observation clearing'));
  // Editing a memory (PATCH upstream; in the OpenAPI document as 501). PATCH of /memories/list or
  // /memories/recall is no memory: it falls through to the 404 of an unrouted method.
  app.patch('/memories/:memory_id', async (c, next) => {
    const id = c.req.param('memory_id');
    if (id === 'list' || id === 'recall') return next();
    answer('memory editing')();
  });
  app.all(
    '/entities/:entity_id/regenerate',
    answer('per-entity regeneration (use POST /observations/regenerate with entity_ids)'),
  );
  app.all('/documents/:document_id/chunks', answer('document chunks'));
  app.all('/documents/:document_id/reprocess', answer('document reprocessing'));
  return app;
}

/** Outside the bank path: mounted at the root. */
export function unservedRoutes() {
  const app = new Hono();
  for (const [path, feature] of TOP_LEVEL) app.all(path, answer(feature));
  return app;
}
