import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HindsightClient } from '../../clients/typescript/src/index.js';
import { documents, http } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';
import { localServer, operationJson, sendJson } from './local-server.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ chunkSize: 5, chunkConcurrency: 1, bankConcurrency: 1 });
});
afterAll(async () => {
  await svc?.stop();
});

describe('waitForOperation when polling', () => {
  it('learns of the end from a waiting GET, long before its poll interval', async () => {
    const bank = uniqueBank('client-wait');
    const submitted = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: documents(200),
      async: true,
    });
    const client = new HindsightClient({ baseUrl: svc.url });
    const operation = await client.waitForOperation({
      bankId: bank,
      operationId: submitted.body.operation_id,
      transport: 'poll',
      pollIntervalMs: 60_000, // plain polling would sleep a minute before seeing the end
    });
    const learnt = Date.now();
    expect(operation.status).toBe('completed');
    expect(learnt - Date.parse(operation.completedAt!)).toBeLessThan(1_000);
  });

  it('still polls a server that answers a waited GET at once', async () => {
    const asked: string[] = [];
    const server = await localServer((req, res, index) => {
      asked.push(req.url ?? '');
      sendJson(
        res,
        200,
        index < 3 ? operationJson({ progress: index }) : operationJson({ status: 'completed' }),
      );
    });
    try {
      const client = new HindsightClient({ baseUrl: server.url });
      const operation = await client.waitForOperation({
        bankId: 'bank-local',
        operationId: 'op-local',
        transport: 'poll',
        pollIntervalMs: 20,
      });
      expect(operation.status).toBe('completed');
      expect(asked[0]).not.toMatch(/wait=/);
      expect(asked.slice(1).every((url) => url.endsWith('?wait=0.02s'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
