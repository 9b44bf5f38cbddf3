/** The HTTP calls every bench section makes on operations. */
import { randomUUID } from 'node:crypto';
import { TERMINAL_STATUSES } from '../workflows/definitions.js';
import type { Document } from './corpus.js';
import { sleep } from './measure.js';
import { http } from './service.js';

export const TERMINAL = new Set<string>(TERMINAL_STATUSES);
export const opsPath = (bank: string) => `/v1/default/banks/${bank}/operations`;

/** With its own operation id, so a resend (see `http`) attaches to the same operation. */
export async function submit(base: string, bank: string, items: Document[]) {
  const operation_id = `op-bench-${randomUUID()}`;
  const reply = await http(base, 'POST', `/v1/default/banks/${bank}/memories`, {
    async: true,
    operation_id,
    items,
  });
  if (reply.status !== 202) throw new Error(`submit answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return { operationId: reply.body.operation_id as string, ms: reply.ms };
}

/** Polls GET operation (as a watching client would) until `until` holds. */
export async function pollOperation(
  base: string,
  bank: string,
  id: string,
  until: (op: any) => boolean,
  everyMs = 250,
) {
  for (;;) {
    const reply = await http(base, 'GET', `${opsPath(bank)}/${id}`);
    if (reply.status !== 200)
      throw new Error(`GET operation answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    if (until(reply.body)) return reply.body;
    if (TERMINAL.has(reply.body.status))
      throw new Error(`operation ${id} ended ${reply.body.status}: ${reply.body.error}`);
    await sleep(everyMs);
  }
}

/** Waits, reading the list every half second, until the operation has completed (anything else throws). */
export async function waitEnded(base: string, bank: string, id: string) {
  for (;;) {
    const reply = await http(base, 'GET', `${opsPath(bank)}?limit=100`);
    if (reply.status !== 200) throw new Error(`list answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    const op = (reply.body.operations as any[]).find((o) => o.operation_id === id);
    if (op?.status === 'completed') return op;
    if (op && TERMINAL.has(op.status)) throw new Error(`operation ${id} ended ${op.status}: ${op.error}`);
    await sleep(500);
  }
}

/** Every operation of the bank, newest first (up to 100). */
export async function listOperations(base: string, bank: string): Promise<any[]> {
  const { body } = await http(base, 'GET', `${opsPath(bank)}?limit=100`);
  return body.operations;
}

/**
 * Cancels whatever still runs or waits in the bank: the graph_update and regenerate_observations follow-ups a
 * completed retain queues, so their CPU does not spill into the next measurement. Returns how many it cancelled.
 */
export async function cancelOpenOperations(base: string, bank: string): Promise<number> {
  let cancelled = 0;
  for (;;) {
    const open = (await listOperations(base, bank)).filter((op) => !TERMINAL.has(op.status));
    if (open.length === 0) return cancelled;
    for (const op of open) {
      const reply = await http(base, 'DELETE', `${opsPath(bank)}/${op.operation_id}`);
      if (reply.status === 200 || reply.status === 202) cancelled++;
    }
    await sleep(200);
  }
}
