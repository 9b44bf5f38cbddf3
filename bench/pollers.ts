/**
 * Batch throughput while clients poll back to back, against the same batch with nobody watching: reads and the
 * work they watch are timed together, so a store that serves one by starving the other shows here.
 */
import { makeDocuments } from './corpus.js';
import { sleep } from './measure.js';
import { cancelOpenOperations, opsPath, submit, waitEnded } from './operations.js';
import type { PollerRun, ReadKind } from './results.js';
import { http, type ServiceChild } from './service.js';

const KINDS: readonly ReadKind[] = ['get', 'list', 'health'];

export async function throughputUnderPollers(
  service: ServiceChild,
  clients: number,
  docs: number,
  tag: string,
): Promise<PollerRun> {
  const bank = `bench-poll-${clients}-${tag}`;
  const { operationId } = await submit(service.url, bank, makeDocuments(docs, 40 + clients));
  const paths: Record<ReadKind, string> = {
    get: `${opsPath(bank)}/${operationId}`,
    list: `${opsPath(bank)}?limit=20`,
    health: '/health',
  };
  const latencies: Record<ReadKind, number[]> = { get: [], list: [], health: [] };
  const notOk: Record<ReadKind, number> = { get: 0, list: 0, health: 0 };
  let watching = true;
  // Each client cycles through the three kinds from its own starting point, so all three are always in flight
  // in equal numbers.
  const client = async (index: number) => {
    for (let i = index; watching; i++) {
      const kind = KINDS[i % KINDS.length]!;
      const reply = await http(service.url, 'GET', paths[kind]).catch(() => undefined);
      if (reply?.status !== 200) notOk[kind]++;
      if (reply) latencies[kind].push(reply.ms);
    }
  };
  const pollers = Array.from({ length: clients }, (_, i) => client(i));
  const done = await waitEnded(service.url, bank, operationId);
  watching = false;
  await Promise.all(pollers);
  await cancelOpenOperations(service.url, bank);
  await sleep(200);
  const ms = Date.parse(done.completed_at) - Date.parse(done.created_at);
  return { clients, docs, ms, status: done.status, latencies, notOk };
}
