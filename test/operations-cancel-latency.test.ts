import { afterAll, beforeAll, expect, it } from 'vitest';
import { http, waitFor } from './support/http.js';
import { startService, type TestService, uniqueBank } from './support/service.js';

// A running chunk learns of a cancel only in the answer to a heartbeat. It used to heartbeat once per write
// batch, so a cancel waited for the batch under way, seconds on a busy CPU; now it heartbeats on a timer.

let svc: TestService;
beforeAll(async () => {
  // One chunk at a time, four write batches of 25 each.
  svc = await startService({ chunkSize: 100, chunkConcurrency: 1 });
});
afterAll(async () => {
  await svc?.stop();
});

const NAMES = ['Alice Johnson', 'Bob Smith', 'Carla Mendes', 'Dmitri Ivanov', 'Emeka Obi', 'Fatima Khan'];
const PLACES = ['Paris', 'Lagos', 'Osaka', 'Lima', 'Oslo', 'Perth'];

/** Long documents: a write batch of 25 takes seconds to extract. */
function longDocuments(n: number) {
  return Array.from({ length: n }, (_, d) => ({
    document_id: `long-${d}`,
    content: Array.from(
      { length: 120 },
      (_, s) =>
        `${NAMES[(d + s) % NAMES.length]} met ${NAMES[(d + 2 * s + 1) % NAMES.length]} in ` +
        `${PLACES[(d * 3 + s) % PLACES.length]} on day ${d * 1000 + s} about milestone ${s}.`,
    ).join(' '),
  }));
}

it('stops a running batch well before its write batch under way would have ended', async () => {
  const bank = uniqueBank('cancel-latency');
  const path = `/v1/default/banks/${bank}/operations`;
  const submit = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, {
    items: longDocuments(400),
    async: true,
  });
  expect(submit.status).toBe(202);
  const id = submit.body.operation_id;
  const progress = async () => (await http(svc.url, 'GET', `${path}/${id}`)).body.progress as number;
  // How long one write batch takes here: from one progress step to the next.
  await waitFor('the first write batch', async () => (await progress()) >= 25, 120_000);
  const firstAt = Date.now();
  await waitFor('the second write batch', async () => (await progress()) >= 50, 120_000);
  const batchMs = Date.now() - firstAt;

  const sent = Date.now();
  const cancel = await http(svc.url, 'DELETE', `${path}/${id}`);
  expect([200, 202]).toContain(cancel.status);
  let op: any;
  await waitFor(
    'the batch to read cancelled',
    async () => {
      op = (await http(svc.url, 'GET', `${path}/${id}`)).body;
      return op.status === 'cancelled';
    },
    120_000,
  );
  const cancelMs = Date.now() - sent;
  // The cancel came right after a batch committed, so waiting for the next one would take about batchMs.
  expect(cancelMs, `cancel took ${cancelMs} ms, a write batch ${batchMs} ms`).toBeLessThan(batchMs / 2);
  expect(op.progress).toBeLessThan(400);
  const stored = await http(svc.url, 'GET', `/v1/default/banks/${bank}/memories?operation_id=${id}&limit=1`);
  expect(stored.body.total).toBe(op.result.memory_ids.length);
}, 300_000);
