import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, http, TERMINAL, waitForOperation } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';
import { openEventStream, readAll } from './sse.js';

let svc: TestService;
beforeAll(async () => {
  // Small chunks, one at a time: a batch takes a few seconds and its progress rises in many steps.
  svc = await startService({ chunkSize: 5, chunkConcurrency: 1, bankConcurrency: 1 });
});
afterAll(async () => {
  await svc?.stop();
});

const eventsUrl = (bank: string, op: string) => `${svc.url}/v1/default/banks/${bank}/operations/${op}/events`;

async function submit(bank: string, n: number) {
  const res = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, {
    items: documents(n),
    async: true,
  });
  expect(res.status).toBe(202);
  return res.body.operation_id as string;
}

describe('GET /operations/{id}/events', () => {
  it('streams the current state at once, rising progress, the terminal state, then closes', async () => {
    const bank = uniqueBank('sse');
    const opId = await submit(bank, 400);
    const opened = Date.now();
    const stream = await openEventStream(eventsUrl(bank, opId));
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toContain('text/event-stream');
    const events = await readAll(stream); // returns only once the server closed the stream

    expect(events.length).toBeGreaterThanOrEqual(3);
    const first = events[0]!;
    expect(first.at - opened).toBeLessThan(2_000);
    expect(first.operation).toMatchObject({
      operation_id: opId,
      bank_id: bank,
      type: 'batch_retain',
      total: 400,
    });
    const last = events.at(-1)!;
    expect(last.operation.status).toBe('completed');
    expect(last.operation.progress).toBe(400);
    expect(last.operation.result.memory_ids.length).toBeGreaterThanOrEqual(400);
    expect(events.slice(0, -1).every((e) => !TERMINAL.includes(e.operation.status))).toBe(true);

    const progress = events.map((e) => e.operation.progress as number);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const running = events.filter((e) => e.operation.status === 'running').map((e) => e.operation.progress);
    expect(new Set(running).size).toBeGreaterThanOrEqual(2); // progress seen rising while running

    const ids = events.map((e) => Number(e.id));
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
    // Coalesced: a few events a second at most.
    const seconds = Math.max(1, (last.at - first.at) / 1000);
    expect(events.length).toBeLessThanOrEqual(Math.ceil(seconds * 5) + 2);
  });

  it('resumes after Last-Event-ID with newer states only', async () => {
    const bank = uniqueBank('sse');
    const opId = await submit(bank, 300);
    const firstStream = await openEventStream(eventsUrl(bank, opId));
    const seen = [];
    for (;;) {
      const event = await firstStream.next();
      expect(event).toBeDefined();
      seen.push(event!);
      if (event!.operation.status === 'running' && event!.operation.progress > 0) break;
      if (TERMINAL.includes(event!.operation.status))
        throw new Error('the batch ended before the test could resume');
    }
    firstStream.close();
    const lastId = seen.at(-1)!.id!;
    const lastProgress = seen.at(-1)!.operation.progress;

    const resumed = await openEventStream(eventsUrl(bank, opId), { 'last-event-id': lastId });
    const rest = await readAll(resumed);
    expect(rest.length).toBeGreaterThanOrEqual(1);
    for (const event of rest) {
      expect(Number(event.id)).toBeGreaterThan(Number(lastId));
      expect(event.operation.progress).toBeGreaterThanOrEqual(lastProgress);
    }
    expect(rest.at(-1)!.operation.status).toBe('completed');

    // Resuming after the terminal event: nothing newer, and the stream closes at once.
    const done = await openEventStream(eventsUrl(bank, opId), { 'last-event-id': rest.at(-1)!.id! });
    expect(await readAll(done)).toEqual([]);
  });

  it('sends the terminal state of an ended operation and closes', async () => {
    const bank = uniqueBank('sse');
    const opId = await submit(bank, 3);
    await waitForOperation(svc.url, bank, opId);
    const events = await readAll(await openEventStream(eventsUrl(bank, opId)));
    expect(events).toHaveLength(1);
    expect(events[0]!.operation).toMatchObject({ operation_id: opId, status: 'completed', progress: 3 });
  });

  it('answers 404 for an unknown operation, before any stream starts', async () => {
    const bank = uniqueBank('sse');
    const stream = await openEventStream(eventsUrl(bank, 'op-does-not-exist'));
    expect(stream.response.status).toBe(404);
    expect(stream.response.headers.get('content-type')).toContain('application/json');
    expect(await stream.response.json()).toMatchObject({ error: { code: 'not_found' } });
    const bad = await http(svc.url, 'GET', `/v1/default/banks/${bank}/operations/bad id!/events`);
    expect(bad.status).toBe(400);
  });
});
