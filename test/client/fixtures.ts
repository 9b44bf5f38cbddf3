import { randomUUID } from 'node:crypto';
import type { HindsightClient } from '../../clients/typescript/src/index.js';

const people = ['Alice Smith', 'Bob Jones', 'Carol White', 'David Brown', 'Erin Clark', 'Frank Miller'];
const places = ['Paris', 'Berlin', 'Tokyo', 'Lisbon', 'Toronto', 'Nairobi'];

/** A bank of its own per test, so tests sharing a server never see each other's operations. */
export function uniqueBank(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

export function documentText(index: number): string {
  const a = people[index % people.length];
  const b = people[(index + 1) % people.length];
  const place = places[index % places.length];
  return `${a} met ${b} in ${place} on day ${index} to plan project Apollo. ${b} promised to send the report by Friday.`;
}

export function documents(count: number, offset = 0): { content: string }[] {
  return Array.from({ length: count }, (_, i) => ({ content: documentText(offset + i) }));
}

/** Resolves once the operation is running, so work submitted after it queues behind it. */
export async function waitUntilRunning(
  client: HindsightClient,
  bankId: string,
  operationId: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await client.getOperation({ bankId, operationId });
    if (status === 'running') return;
    if (status !== 'pending')
      throw new Error(`operation ${operationId} ended (${status}) before it was seen running`);
    if (Date.now() > deadline)
      throw new Error(`operation ${operationId} still pending after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
