import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HindsightClient,
  type Operation,
  OperationCancelledError,
  OperationFailedError,
  OperationTimeoutError,
  parseEventStream,
} from '../../clients/typescript/src/index.js';
import { type LocalServer, localServer, operationJson, sendJson } from './local-server.js';

let server: LocalServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function sseFrame(operation: Record<string, unknown>, id: number): string {
  return `event: operation\nid: ${id}\ndata: ${JSON.stringify(operation)}\n\n`;
}

function startStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}

describe('parseEventStream', () => {
  it('handles split chunks, CRLF, comments, multi-line data and ids', async () => {
    const events = await collect(
      parseEventStream(
        chunks(
          ': keep-alive\r\n\r',
          '\nevent: operation\r\nid: 7\r\ndata: {"a":',
          '1}\r\n\r\n',
          'data: x\ndata: y\n\n',
        ),
      ),
    );
    expect(events).toEqual([
      { event: 'operation', data: '{"a":1}', id: '7', retry: undefined },
      { event: 'message', data: 'x\ny', id: '7', retry: undefined },
    ]);
  });

  it('drops an event cut off before its blank line', async () => {
    const events = await collect(parseEventStream(chunks('data: complete\n\n', 'data: partial\n')));
    expect(events.map((event) => event.data)).toEqual(['complete']);
  });
});

describe('watching an operation', () => {
  it('follows the event stream until the operation completes', async () => {
    let lastEventIdSeen: string | undefined;
    server = await localServer((req, res) => {
      lastEventIdSeen = req.headers['last-event-id'] as string | undefined;
      expect(req.url).toBe('/v1/default/banks/bank-local/operations/op-local/events');
      startStream(res);
      res.write(': connected\n\n');
      res.write(sseFrame(operationJson({ progress: 1 }), 1));
      res.write(sseFrame(operationJson({ progress: 2 }), 2).slice(0, 20));
      setTimeout(() => {
        res.write(sseFrame(operationJson({ progress: 2 }), 2).slice(20));
        res.write(
          sseFrame(
            operationJson({ status: 'completed', progress: 3, result: { memory_ids: ['m1', 'm2', 'm3'] } }),
            3,
          ),
        );
        // The client must stop on the terminal state without waiting for the stream to close.
      }, 20);
    });
    const client = new HindsightClient({ baseUrl: server.url });
    const seen: Operation[] = [];
    const final = await client.waitForOperation({
      bankId: 'bank-local',
      operationId: 'op-local',
      onProgress: (op) => seen.push(op),
    });
    expect(final.result?.memoryIds).toHaveLength(3);
    expect(seen.map((op) => `${op.status} ${op.progress}`)).toEqual([
      'running 1',
      'running 2',
      'completed 3',
    ]);
    expect(server.requests).toHaveLength(1);
    expect(lastEventIdSeen).toBeUndefined();
  });

  it('polls when the server has no event stream (404)', async () => {
    server = await localServer((req, res, index) => {
      if (req.url?.endsWith('/events')) {
        sendJson(res, 404, { error: { code: 'not_found', message: 'no such route' } });
        return;
      }
      sendJson(
        res,
        200,
        index < 3 ? operationJson({ progress: index }) : operationJson({ status: 'completed' }),
      );
    });
    const client = new HindsightClient({ baseUrl: server.url });
    const states = await collect(
      client.watchOperation({ bankId: 'bank-local', operationId: 'op-local', pollIntervalMs: 5 }),
    );
    expect(states.map((op) => op.status)).toEqual(['running', 'running', 'completed']);
    expect(server.requests[0]).toMatch(/\/events$/);
    expect(server.requests.slice(1).every((request) => !request.endsWith('/events'))).toBe(true);
  });

  it('polls when the server refuses another stream to this client (429)', async () => {
    server = await localServer((req, res, index) => {
      if (req.url?.endsWith('/events')) {
        res.setHeader('retry-after', '5');
        sendJson(res, 429, {
          error: { code: 'too_many_requests', message: 'this client holds 100 streams' },
        });
        return;
      }
      sendJson(
        res,
        200,
        index < 2 ? operationJson({ progress: index }) : operationJson({ status: 'completed' }),
      );
    });
    const client = new HindsightClient({ baseUrl: server.url });
    const states = await collect(
      client.watchOperation({ bankId: 'bank-local', operationId: 'op-local', pollIntervalMs: 5 }),
    );
    expect(states.map((op) => op.status)).toEqual(['running', 'completed']);
    expect(server.requests.filter((request) => request.endsWith('/events'))).toHaveLength(1);
  });

  it('falls back to polling when the stream breaks before the end', async () => {
    server = await localServer((req, res) => {
      if (req.url?.endsWith('/events')) {
        startStream(res);
        res.write(sseFrame(operationJson({ progress: 1 }), 1));
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      sendJson(res, 200, operationJson({ status: 'completed', progress: 3 }));
    });
    const client = new HindsightClient({ baseUrl: server.url });
    const states = await collect(
      client.watchOperation({ bankId: 'bank-local', operationId: 'op-local', pollIntervalMs: 5 }),
    );
    expect(states.map((op) => `${op.status} ${op.progress}`)).toEqual(['running 1', 'completed 3']);
  });

  it('throws OperationFailedError and OperationCancelledError carrying the operation', async () => {
    let status = 'failed';
    server = await localServer((req, res) => {
      if (req.url?.endsWith('/events')) {
        startStream(res);
        res.end(sseFrame(operationJson({ status, error: status === 'failed' ? 'database gone' : null }), 1));
        return;
      }
      sendJson(res, 404, { error: { code: 'not_found', message: 'unexpected' } });
    });
    const client = new HindsightClient({ baseUrl: server.url });
    const failed = await client
      .waitForOperation({ bankId: 'bank-local', operationId: 'op-local' })
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(OperationFailedError);
    expect((failed as OperationFailedError).operation.error).toBe('database gone');
    expect((failed as Error).message).toContain('database gone');

    status = 'cancelled';
    const cancelled = await client
      .waitForOperation({ bankId: 'bank-local', operationId: 'op-local' })
      .catch((e: unknown) => e);
    expect(cancelled).toBeInstanceOf(OperationCancelledError);
    expect((cancelled as OperationCancelledError).operation.status).toBe('cancelled');
  });

  it('stops at timeoutMs with OperationTimeoutError', async () => {
    server = await localServer((req, res) => {
      if (req.url?.endsWith('/events')) {
        startStream(res);
        res.write(sseFrame(operationJson(), 1));
        return;
      }
      sendJson(res, 200, operationJson());
    });
    const client = new HindsightClient({ baseUrl: server.url });
    const error = await client
      .waitForOperation({ bankId: 'bank-local', operationId: 'op-local', timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationTimeoutError);
    expect((error as Error).message).toBe('operation op-local did not finish within 300 ms');
    // The last state seen, when one arrived in time, comes with the error.
    const last = (error as OperationTimeoutError).operation;
    if (last) expect(last.status).toBe('running');
  });
});
