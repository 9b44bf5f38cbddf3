import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { createLogger } from '../../src/logger.js';
import { documents, http, waitFor, waitForOperation } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

let svc: TestService;
let doc: any;
beforeAll(async () => {
  svc = await startService();
  const res = await http(svc.url, 'GET', '/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body;
});
afterAll(async () => {
  await svc?.stop();
});

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);

const METHODS = ['get', 'post', 'patch', 'put', 'delete'];

/** `/v1/.../:bank_id/x/` (Hono) -> `/v1/.../{bank_id}/x` (OpenAPI). */
const toTemplate = (path: string) => path.replace(/:([A-Za-z_]+)/g, '{$1}').replace(/(.)\/$/, '$1');

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with unique operation ids, and every operation answers something documented', () => {
    expect(doc.openapi).toBe('3.1.0');
    // Swagger UI shows a red warning for any dialect but OpenAPI 3.1's default one.
    expect(doc.jsonSchemaDialect ?? 'https://spec.openapis.org/oas/3.1/dialect/base').toBe(
      'https://spec.openapis.org/oas/3.1/dialect/base',
    );
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect(METHODS).toContain(method);
        expect(op.summary, `${method} ${path}`).toBeTruthy();
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          const param = op.parameters?.find((p: any) => p.in === 'path' && `{${p.name}}` === name);
          expect(param, `${method} ${path} documents ${name}`).toBeDefined();
        }
        for (const response of Object.values<any>(op.responses)) {
          for (const media of Object.values<any>(response.content ?? {})) ajv.compile(media.schema);
        }
      }
    }
  });

  it('says what the code does: progress from the operation row, never negative', () => {
    const getOne = doc.paths['/v1/default/banks/{bank_id}/operations/{operation_id}'].get;
    expect(getOne.description).toContain('operation row');
    expect(getOne.description).not.toContain('workflow itself');
    const operation = getOne.responses['200'].content['application/json'].schema;
    expect(operation.properties.progress.minimum).toBe(0);
    expect(operation.properties.total.minimum).toBe(0);
    const validate = ajv.compile(operation);
    const row = {
      operation_id: 'op-1',
      bank_id: 'b',
      type: 'batch_retain',
      status: 'running',
      progress: -1,
      total: 3,
      created_at: '2026-01-01T00:00:00Z',
      started_at: null,
      completed_at: null,
      error: null,
      result: null,
      follow_up: false,
      triggered_by: null,
      retry_of: null,
      retries: [],
      metadata: { customer: 'acme' },
    };
    expect(validate(row)).toBe(false);
    expect(validate({ ...row, progress: 1 })).toBe(true);
  });

  it('lists exactly the routes the app serves', () => {
    const app = createApp({
      db: svc.db,
      operations: svc.runtime.operations,
      extraction: svc.runtime.extraction,
      config: svc.runtime.config,
      logger: createLogger('silent'),
      health: async () => ({ status: 'ok', parts: {} }),
    });
    const served = new Set(
      app.routes
        .filter((r) => METHODS.includes(r.method.toLowerCase()))
        .map((r) => `${r.method.toLowerCase()} ${toTemplate(r.path)}`),
    );
    const documented = new Set(
      Object.entries<any>(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`)),
    );
    expect([...served].filter((r) => !documented.has(r))).toEqual([]);
    expect([...documented].filter((r) => !served.has(r))).toEqual([]);
  });

  it('describes what the service really answers', async () => {
    const checked: string[] = [];
    /** Calls the live service and validates the answer against the document's schema for that status. */
    const call = async (method: string, template: string, path: string, body?: unknown) => {
      // A FormData body is sent as multipart/form-data, with the boundary fetch chooses.
      const res = await fetch(`${svc.url}${path}`, {
        method: method.toUpperCase(),
        ...(body instanceof FormData
          ? { body }
          : {
              headers: { 'content-type': 'application/json' },
              body: body === undefined ? undefined : JSON.stringify(body),
            }),
      });
      const operation = doc.paths[template]?.[method];
      expect(operation, `${method} ${template} is documented`).toBeDefined();
      const documented = operation.responses[String(res.status)];
      const text = await res.text();
      expect(documented, `${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`).toBeDefined();
      const [contentType, media] = Object.entries<any>(documented.content ?? {})[0] ?? [];
      if (!contentType) {
        expect(text).toBe('');
      } else {
        // A range such as text/* documents files of several text types.
        expect(res.headers.get('content-type')).toContain(contentType.replace('*', ''));
        if (contentType === 'application/json') {
          const validate = ajv.compile(media.schema);
          const json = JSON.parse(text);
          expect(validate(json), `${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)}`).toBe(
            true,
          );
          checked.push(`${method} ${template} ${res.status}`);
          return { status: res.status, body: json };
        }
      }
      checked.push(`${method} ${template} ${res.status}`);
      return { status: res.status, body: text as any };
    };

    const bank = uniqueBank('openapi');
    const B = '/v1/default/banks/{bank_id}';
    const b = `/v1/default/banks/${bank}`;

    await call('get', '/health', '/health');
    await call('get', '/openapi.json', '/openapi.json');
    const page = await call('get', '/docs', '/docs');
    expect(page.body).toContain('openapi.json');
    const script = await call('get', '/docs/{file}', '/docs/swagger-ui-bundle.js');
    expect(script.body).toContain('SwaggerUIBundle');
    expect((await call('get', '/docs/{file}', '/docs/package.json')).status).toBe(404);
    const slash = await fetch(`${svc.url}/docs/`, { redirect: 'manual' });
    expect(slash.status).toBe(301);
    expect(new URL(slash.headers.get('location')!, `${svc.url}/docs/`).pathname).toBe('/docs');
    expect(await (await fetch(`${svc.url}/docs/`)).text()).toContain('docs/swagger-ui-bundle.js');

    const sync = await call('post', `${B}/memories`, `${b}/memories`, {
      items: [{ content: 'Alice Johnson met Bob Martinez in Paris.', tags: ['t'], metadata: { k: 'v' } }],
    });
    expect(sync.status).toBe(200);
    const accepted = await call('post', `${B}/memories`, `${b}/memories`, {
      items: documents(12),
      async: true,
    });
    expect(accepted.status).toBe(202);
    const opId = accepted.body.operation_id;
    const events = await call(
      'get',
      `${B}/operations/{operation_id}/events`,
      `${b}/operations/${opId}/events`,
    );
    expect(events.body).toContain('event: operation');
    await waitForOperation(svc.url, bank, opId);
    await call('get', `${B}/operations/{operation_id}`, `${b}/operations/${opId}`);
    await call('get', `${B}/operations`, `${b}/operations?limit=5`);
    expect((await call('get', `${B}/operations`, `${b}/operations?limit=abc`)).status).toBe(400);
    expect((await call('get', `${B}/operations/{operation_id}`, `${b}/operations/op-missing`)).status).toBe(
      404,
    );
    expect((await call('delete', `${B}/operations/{operation_id}`, `${b}/operations/${opId}`)).status).toBe(
      409,
    );
    // The batch ended with nothing failed: a retry is refused and changes nothing; its record can be deleted.
    expect(
      (await call('post', `${B}/operations/{operation_id}/retry`, `${b}/operations/${opId}/retry`)).status,
    ).toBe(409);
    expect(
      (await call('delete', `${B}/operations/{operation_id}/delete`, `${b}/operations/${opId}/delete`))
        .status,
    ).toBe(200);
    // In a bank of its own, so this bank's follow-up operations keep running.
    const quiet = `/v1/default/banks/${uniqueBank('openapi')}`;
    await call('post', `${B}/operations/cancel`, `${quiet}/operations/cancel`, { status: 'pending' });
    expect((await call('post', `${B}/memories`, `${b}/memories`, { items: [] })).status).toBe(400);

    const graph = await call('post', `${B}/graph/update`, `${b}/graph/update`, {});
    const observations = await call(
      'post',
      `${B}/observations/regenerate`,
      `${b}/observations/regenerate`,
      {},
    );
    await waitForOperation(svc.url, bank, graph.body.operation_id);
    await waitForOperation(svc.url, bank, observations.body.operation_id);

    const memories = await call('get', `${B}/memories`, `${b}/memories?limit=3`);
    const memoryId = memories.body.memories[0].id;
    await call('get', `${B}/memories/{memory_id}`, `${b}/memories/${memoryId}`);
    await call('get', `${B}/memories/{memory_id}/links`, `${b}/memories/${memoryId}/links`);
    expect((await call('get', `${B}/memories/{memory_id}`, `${b}/memories/mem-missing`)).status).toBe(404);
    await call('post', `${B}/memories/recall`, `${b}/memories/recall`, {
      query: 'Who met in Paris?',
      limit: 3,
    });

    const entities = await call('get', `${B}/entities`, `${b}/entities`);
    const withObservation = await waitFor('an entity with an observation', async () => {
      const list = await http(svc.url, 'GET', `${b}/entities?limit=100`);
      return list.body.entities.find((e: any) => e.observation);
    });
    expect(entities.body.entities.length).toBeGreaterThan(0);
    await call('get', `${B}/entities/{entity_id}`, `${b}/entities/${withObservation.id}`);

    // Subscribed to failures only, so no delivery is attempted to this address.
    const hook = await call('post', `${B}/webhooks`, `${b}/webhooks`, {
      url: 'https://93.184.216.34/hook',
      events: ['operation.failed'],
    });
    expect(hook.status).toBe(201);
    const W = `${B}/webhooks/{webhook_id}`;
    const w = `${b}/webhooks/${hook.body.id}`;
    await call('get', `${B}/webhooks`, `${b}/webhooks`);
    const D = `${B}/documents/{document_id}`;
    await call('get', `${B}/documents`, `${b}/documents`);
    expect((await call('get', D, `${b}/documents/none`)).status).toBe(404);
    expect((await call('patch', D, `${b}/documents/none`, { tags: [] })).status).toBe(404);
    expect((await call('delete', D, `${b}/documents/none`)).status).toBe(404);
    expect((await call('delete', B, `/v1/default/banks/${uniqueBank('none')}`)).status).toBe(404);
    await call('get', W, w);
    await call('patch', W, w, { enabled: false });
    const hindsightHook = await call('post', `${B}/webhooks`, `${b}/webhooks`, {
      url: 'https://93.184.216.34/hook',
      event_types: ['consolidation.completed'],
      enabled: false,
      http_config: { method: 'POST', timeout_seconds: 5, headers: { 'X-Team': 'a' }, params: { s: 'b' } },
    });
    expect(hindsightHook.status).toBe(201);
    await call('get', `${W}/deliveries`, `${w}/deliveries`);
    expect(
      (
        await call('post', `${B}/webhooks`, `${b}/webhooks`, {
          url: 'http://127.0.0.1/x',
          events: ['operation.failed'],
        })
      ).status,
    ).toBe(400);
    expect((await call('delete', W, w)).status).toBe(204);
    expect((await call('get', W, w)).status).toBe(404);

    // The bank resource, the published clients' listing, deletes, reflect without a provider, version, probes.
    await call('put', B, b, {
      name: 'OpenAPI bank',
      disposition: { skepticism: 2, literalism: 3, empathy: 4 },
    });
    await call('patch', B, b, { mission: 'Check the document' });
    expect((await call('put', B, b, { name: 5 })).status).toBe(400);
    await call('get', '/v1/default/banks', '/v1/default/banks');
    await call('get', `${B}/profile`, `${b}/profile`);
    await call('put', `${B}/profile`, `${b}/profile`, {
      disposition: { skepticism: 1, literalism: 1, empathy: 1 },
    });
    await call('get', `${B}/config`, `${b}/config`);
    await call('patch', `${B}/config`, `${b}/config`, { updates: { retain_chunk_size: 500 } });
    await call('delete', `${B}/config`, `${b}/config`);
    await call('get', `${B}/stats`, `${b}/stats`);
    await call('get', `${B}/memories/list`, `${b}/memories/list?limit=2`);
    expect((await call('post', `${B}/reflect`, `${b}/reflect`, { query: 'Who met?' })).status).toBe(501);
    const upload = new FormData();
    upload.append('files', new File(['Ola sailed to Crete.'], 'log.txt', { type: 'text/plain' }));
    expect((await call('post', `${B}/files/retain`, `${b}/files/retain`, upload)).status).toBe(200);
    const pdf = new FormData();
    pdf.append('files', new File(['%PDF-1.7'], 'log.pdf', { type: 'application/pdf' }));
    expect((await call('post', `${B}/files/retain`, `${b}/files/retain`, pdf)).status).toBe(415);
    const edit = await call('patch', `${B}/memories/{memory_id}`, `${b}/memories/${memoryId}`, { text: 'x' });
    expect(edit.status).toBe(501);
    await call('delete', `${B}/memories/{memory_id}`, `${b}/memories/${memoryId}`);
    await call('delete', `${B}/memories`, `${b}/memories`);
    await call('get', '/version', '/version');
    await call('get', '/health/live', '/health/live');
    await call('get', '/health/ready', '/health/ready');

    const wrongMethod = await call('get', `${B}/memories/recall`, `${b}/memories/recall`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.error.message).toContain('POST');
    const metrics = await call('get', '/metrics', '/metrics');
    expect(metrics.body).toContain('hindsight_operations');

    // Every documented route was exercised at least once.
    const exercised = new Set(checked.map((c) => c.split(' ').slice(0, 2).join(' ')));
    const documented = Object.entries<any>(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m} ${path}`),
    );
    expect(documented.filter((r) => !exercised.has(r))).toEqual([]);
  });
});
