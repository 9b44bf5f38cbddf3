/** Many clients submitting small async batches at once: how long each waits for its 202. */
import { makeDocuments } from './corpus.js';
import { percentile } from './measure.js';
import { cancelOpenOperations, submit } from './operations.js';
import type { SubmitBurst } from './results.js';
import type { ServiceChild } from './service.js';

const BANKS = 10;

export async function submitBurst(
  service: ServiceChild,
  submits: number,
  docsEach: number,
  tag: string,
): Promise<SubmitBurst> {
  const started = performance.now();
  const replies = await Promise.all(
    Array.from({ length: submits }, (_, i) =>
      submit(service.url, `bench-burst-${i % BANKS}-${tag}`, makeDocuments(docsEach, 1_000 + i)),
    ),
  );
  const wallMs = performance.now() - started;
  // What they queued would run into the next measurement.
  for (let b = 0; b < BANKS; b++) await cancelOpenOperations(service.url, `bench-burst-${b}-${tag}`);
  const ms = replies.map((r) => r.ms);
  return {
    submits,
    docsEach,
    p50: percentile(ms, 50),
    p99: percentile(ms, 99),
    max: Math.max(...ms),
    wallMs,
  };
}
