import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, http, waitForOperation } from '../support/http.js';
import { freePort } from '../support/ports.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

let svc: TestService;
let workerMetricsAddress: string;
beforeAll(async () => {
  workerMetricsAddress = `127.0.0.1:${await freePort()}`;
  svc = await startService({ env: { HINDSIGHT_WORKER_METRICS_ADDRESS: workerMetricsAddress } });
});
afterAll(async () => {
  await svc?.stop();
});

/** `name{labels} value` lines into a lookup by the series as written. */
function parse(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

async function scrape() {
  const res = await fetch(`${svc.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
  const text = await res.text();
  return { text, series: parse(text) };
}

describe('GET /metrics', () => {
  it('reflects a completed batch: operations started and finished, items, activity durations, queue depth', async () => {
    const before = (await scrape()).series;
    const at = (m: Map<string, number>, key: string) => m.get(key) ?? 0;

    const bank = uniqueBank('metrics');
    const res = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: documents(30),
      async: true,
    });
    expect(res.status).toBe(202);
    await waitForOperation(svc.url, bank, res.body.operation_id);

    const { text, series } = await scrape();
    expect(text).toContain('# TYPE hindsight_operations_finished_total counter');
    expect(text).toContain('# TYPE hindsight_activity_duration_seconds histogram');
    const delta = (key: string) => at(series, key) - at(before, key);
    expect(delta('hindsight_operations_started_total{type="batch_retain"}')).toBe(1);
    expect(delta('hindsight_operations_finished_total{type="batch_retain",status="completed"}')).toBe(1);
    expect(delta('hindsight_items_processed_total{type="batch_retain"}')).toBe(30);
    expect(
      delta('hindsight_activity_duration_seconds_count{activity="retainChunk",outcome="completed"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      delta('hindsight_activity_duration_seconds_count{activity="finishOperation",outcome="completed"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      at(
        series,
        'hindsight_activity_duration_seconds_bucket{le="+Inf",activity="retainChunk",outcome="completed"}',
      ),
    ).toBe(
      at(series, 'hindsight_activity_duration_seconds_count{activity="retainChunk",outcome="completed"}'),
    );
    // Queue depth per state, from the store (which other suites may share: count at least this one).
    expect(delta('hindsight_operations{type="batch_retain",status="completed"}')).toBeGreaterThanOrEqual(1);
    for (const status of ['pending', 'running', 'failed', 'cancelled']) {
      expect(series.has(`hindsight_operations{type="batch_retain",status="${status}"}`)).toBe(true);
    }
    expect(series.has('hindsight_webhook_deliveries{status="pending"}')).toBe(true);
    // Process metrics, and the API's own requests by route.
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
    expect(
      delta(
        `http_requests_total{method="POST",route="/v1/default/banks/:bank_id/memories",status="202",ok="true"}`,
      ),
    ).toBe(1);
    expect(text).toContain(`# Temporal worker runtime metrics: http://${workerMetricsAddress}/metrics`);
  });

  it("exposes the Temporal worker's own metrics when HINDSIGHT_WORKER_METRICS_ADDRESS is set", async () => {
    const res = await fetch(`http://${workerMetricsAddress}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^temporal_\w+/m);
    expect(text).toContain(`task_queue="${svc.taskQueue}"`);
  });
});
