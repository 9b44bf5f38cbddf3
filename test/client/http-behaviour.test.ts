import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  HindsightApiError,
  HindsightClient,
  HindsightConnectionError,
  HindsightResponseValidationError,
  NotFoundError,
  OperationList,
  PayloadTooLargeError,
  PermissionDeniedError,
  RateLimitError,
  rawJson,
  ServerError,
} from '../../clients/typescript/src/index.js';
import { type LocalServer, localServer, operationJson, sendJson } from './local-server.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

describe('retries', () => {
  it('retries a GET that fails twice with 503 and returns the third answer', async () => {
    server = await localServer((_req, res, index) => {
      if (index < 2) sendJson(res, 503, errorBody('unavailable', 'starting up'));
      else sendJson(res, 200, operationJson());
    });
    const client = new HindsightClient({ baseUrl: server.url, retryDelayMs: 10 });
    const operation = await client.getOperation({ bankId: 'bank-local', operationId: 'op-local' });
    expect(operation.operationId).toBe('op-local');
    expect(server.requests).toEqual(Array(3).fill('GET /v1/default/banks/bank-local/operations/op-local'));
  });

  it('gives up after maxRetries and throws the last error', async () => {
    server = await localServer((_req, res) => sendJson(res, 429, errorBody('rate_limited', 'slow down')));
    const client = new HindsightClient({ baseUrl: server.url, maxRetries: 1, retryDelayMs: 10 });
    const error = await client.getOperation({ bankId: 'b', operationId: 'o' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(server.requests).toHaveLength(2);
  });

  it('asks once when the answer is 501: a feature not served stays so', async () => {
    server = await localServer((_req, res) =>
      sendJson(res, 501, errorBody('not_implemented', 'no provider')),
    );
    const client = new HindsightClient({ baseUrl: server.url, maxRetries: 3, retryDelayMs: 10 });
    const error = await client.getOperation({ bankId: 'b', operationId: 'o' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ServerError', status: 501 });
    expect(server.requests).toHaveLength(1);
  });

  it('honours Retry-After', async () => {
    server = await localServer((_req, res, index) => {
      if (index === 0) sendJson(res, 503, errorBody('unavailable', 'busy'), { 'retry-after': '0' });
      else sendJson(res, 200, operationJson());
    });
    // A huge backoff would time the test out if Retry-After were ignored.
    const client = new HindsightClient({ baseUrl: server.url, retryDelayMs: 600_000 });
    await expect(client.getOperation({ bankId: 'b', operationId: 'o' })).resolves.toMatchObject({
      status: 'running',
    });
  });

  it('does not retry a POST without an operation id, but does with one', async () => {
    server = await localServer((_req, res, index) => {
      if (index < 2) sendJson(res, 503, errorBody('unavailable', 'busy'));
      else sendJson(res, 202, operationJson({ status: 'pending', progress: 0 }));
    });
    const client = new HindsightClient({ baseUrl: server.url, retryDelayMs: 10 });
    const contents = [{ content: 'Alice met Bob in Paris.' }];
    await expect(client.retainBatchAsync({ bankId: 'b', contents })).rejects.toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(1);
    const operation = await client.retainBatchAsync({ bankId: 'b', contents, operationId: 'op-local' });
    expect(operation.status).toBe('pending');
    expect(server.requests).toHaveLength(3);
  });

  it('retries after the connection is dropped without an answer', async () => {
    server = await localServer((req, res, index) => {
      if (index === 0) req.socket.destroy();
      else sendJson(res, 200, operationJson());
    });
    const client = new HindsightClient({ baseUrl: server.url, retryDelayMs: 10 });
    await expect(client.getOperation({ bankId: 'b', operationId: 'o' })).resolves.toMatchObject({
      operationId: 'op-local',
    });
    expect(server.requests).toHaveLength(2);
  });
});

describe('errors', () => {
  const cases = [
    [400, 'invalid_request', BadRequestError],
    [401, 'unauthorized', AuthenticationError],
    [403, 'forbidden', PermissionDeniedError],
    [404, 'not_found', NotFoundError],
    [409, 'conflict', ConflictError],
    [413, 'payload_too_large', PayloadTooLargeError],
    [429, 'rate_limited', RateLimitError],
    [500, 'internal', ServerError],
    [503, 'unavailable', ServerError],
  ] as const;

  it.each(cases)('maps %i to its error class', async (status, code, ErrorClass) => {
    server = await localServer((_req, res) =>
      sendJson(res, status, errorBody(code, `message for ${status}`)),
    );
    const client = new HindsightClient({ baseUrl: server.url, maxRetries: 0 });
    const error = await client.getOperation({ bankId: 'b', operationId: 'o' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(HindsightApiError);
    expect(error).toMatchObject({ status, code, message: `message for ${status}` });
  });

  it('keeps the status when the error body is not the documented JSON', async () => {
    server = await localServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    });
    const client = new HindsightClient({ baseUrl: server.url, maxRetries: 0 });
    const error = await client.getOperation({ bankId: 'b', operationId: 'o' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ status: 502, code: 'unknown' });
    expect((error as Error).message).toContain('Bad Gateway');
  });

  it('throws HindsightConnectionError when nothing listens', async () => {
    server = await localServer(() => {});
    const url = server.url;
    await server.close();
    server = undefined;
    const client = new HindsightClient({ baseUrl: url, maxRetries: 1, retryDelayMs: 10 });
    const error = await client.health().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HindsightConnectionError);
    expect((error as Error).message).toMatch(
      /^cannot reach the Hindsight API at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    );
  });

  it('aborts a call that never gets an answer', async () => {
    server = await localServer(() => {});
    const client = new HindsightClient({ baseUrl: server.url });
    const controller = new AbortController();
    const pending = client.getOperation({ bankId: 'b', operationId: 'o', signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('response validation and case conversion', () => {
  it('rejects a malformed operation with HindsightResponseValidationError', async () => {
    server = await localServer((_req, res) =>
      sendJson(res, 200, operationJson({ status: 'exploded', progress: 'half' })),
    );
    const client = new HindsightClient({ baseUrl: server.url });
    const error = await client.getOperation({ bankId: 'b', operationId: 'o' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HindsightResponseValidationError);
    expect((error as Error).message).toContain('status');
    expect((error as Error).message).toContain('progress');
    expect((error as HindsightResponseValidationError).body).toMatchObject({ status: 'exploded' });
  });

  it('rejects a body that is not JSON', async () => {
    server = await localServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"operation_id": ');
    });
    const client = new HindsightClient({ baseUrl: server.url });
    await expect(client.getOperation({ bankId: 'b', operationId: 'o' })).rejects.toBeInstanceOf(
      HindsightResponseValidationError,
    );
  });

  it('camelCases responses, keeps metadata keys, snake_cases requests and keeps the raw JSON', async () => {
    let received: unknown;
    server = await localServer(async (req, res) => {
      if (req.method === 'POST') {
        let text = '';
        for await (const chunk of req) text += chunk;
        received = { body: JSON.parse(text), authorization: req.headers.authorization };
        sendJson(res, 200, { bank_id: 'b', items_count: 1, memory_ids: ['m1'] });
        return;
      }
      sendJson(
        res,
        200,
        operationJson({
          status: 'completed',
          result: { memory_ids: ['m1'], items_count: 1, failed_items: [{ index: 0, reason: 'empty' }] },
        }),
      );
    });
    const client = new HindsightClient({ baseUrl: server.url, apiKey: 'secret-key' });
    const retained = await client.retain({
      bankId: 'b',
      content: 'Alice met Bob.',
      documentId: 'doc-1',
      timestamp: new Date('2024-03-15T10:00:00Z'),
      metadata: { source_file: 'a.md' },
    });
    expect(retained).toEqual({ bankId: 'b', itemsCount: 1, memoryIds: ['m1'] });
    expect(received).toEqual({
      authorization: 'Bearer secret-key',
      body: {
        items: [
          {
            content: 'Alice met Bob.',
            document_id: 'doc-1',
            timestamp: '2024-03-15T10:00:00.000Z',
            metadata: { source_file: 'a.md' },
          },
        ],
      },
    });

    const operation = await client.getOperation({ bankId: 'b', operationId: 'op-local' });
    expect(operation.result?.memoryIds).toEqual(['m1']);
    expect(operation.result?.failedItems).toEqual([{ index: 0, reason: 'empty' }]);
    expect(rawJson(operation)).toMatchObject({ operation_id: 'op-local', result: { memory_ids: ['m1'] } });
  });

  it('returns listOperations as an array that carries total, limit and offset', async () => {
    server = await localServer((_req, res) =>
      sendJson(res, 200, {
        bank_id: 'b',
        operations: [operationJson({ operation_id: 'op-2' }), operationJson({ operation_id: 'op-1' })],
        total: 7,
        limit: 2,
        offset: 0,
      }),
    );
    const client = new HindsightClient({ baseUrl: server.url });
    const list = await client.listOperations({ bankId: 'b', status: 'running', limit: 2 });
    expect(server.requests).toEqual(['GET /v1/default/banks/b/operations?status=running&limit=2']);
    expect(list).toBeInstanceOf(OperationList);
    expect(Array.isArray(list)).toBe(true);
    expect(list).toHaveLength(2);
    expect([list.total, list.limit, list.offset]).toEqual([7, 2, 0]);
    expect(list.map((op) => op.operationId)).toEqual(['op-2', 'op-1']);
    expect(list.filter((op) => op.operationId === 'op-1')).toHaveLength(1);
    const seen: string[] = [];
    for (const op of list) seen.push(op.operationId);
    expect(seen).toEqual(['op-2', 'op-1']);
  });
});
