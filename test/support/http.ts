import { expect } from 'vitest';

export interface Reply<T = any> {
  status: number;
  body: T;
}

/** Real HTTP over a loopback socket, as a caller would send it. */
export async function http<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: hand back the text
  }
  return { status: res.status, body: parsed as T };
}

export const TERMINAL = ['completed', 'failed', 'cancelled'];

export const operationPath = (bank: string, operationId: string) =>
  `/v1/default/banks/${bank}/operations/${operationId}`;

/** Polls GET operation until it ends, recording every progress value seen on the way. */
export async function waitForOperation(
  base: string,
  bankId: string,
  operationId: string,
  timeoutMs = 90_000,
  headers: Record<string, string> = {},
) {
  const seen: number[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await http(base, 'GET', operationPath(bankId, operationId), undefined, headers);
    expect(status).toBe(200);
    seen.push(body.progress);
    if (TERMINAL.includes(body.status)) return { operation: body, progressSeen: seen };
    if (Date.now() > deadline)
      throw new Error(`operation ${operationId} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Polls until `probe` gives a value. The default wait is as generous as waitForOperation's: suites share one
 * Temporal server on a small machine, and a wait here checks that something happens, not how fast.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 90_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const PEOPLE = ['Alice Johnson', 'Bob Martinez', 'Carla Nguyen', 'David Okafor', 'Elena Rossi'];
const PLACES = ['Paris', 'Tokyo', 'Nairobi', 'Lima', 'Oslo'];
const ORGS = ['Acme Corporation', 'Globex', 'Initech', 'Umbrella Health', 'Stark Industries'];

/** Real-looking documents: a few sentences naming people, places and organisations. */
export function documents(n: number, seed = 0) {
  return Array.from({ length: n }, (_, i) => {
    const k = i + seed;
    const person = PEOPLE[k % PEOPLE.length];
    const place = PLACES[(k * 3) % PLACES.length];
    const org = ORGS[(k * 7) % ORGS.length];
    return {
      content:
        `${person} met the team from ${org} in ${place} on day ${k}. ` +
        `They agreed on milestone number ${k} for the new product line. ` +
        `${person} will report progress to ${org} next week.`,
      document_id: `doc-${k}`,
    };
  });
}
