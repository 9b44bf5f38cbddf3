import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documents, http, waitFor, waitForOperation } from '../support/http.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';
import { type ReceivedSpan, startOtlpReceiver } from './otlp-receiver.js';

const OTEL_SETTINGS = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'OTEL_SERVICE_NAME',
  'OTEL_BSP_SCHEDULE_DELAY',
];

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let svc: TestService;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // Tracing is process-wide and read from the standard variables, as a deployment sets them.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
  process.env.OTEL_SERVICE_NAME = 'hindsight-under-test';
  process.env.OTEL_BSP_SCHEDULE_DELAY = '200';
  svc = await startService({ chunkSize: 10 });
});
afterAll(async () => {
  await svc?.stop();
  await receiver?.close();
  for (const name of OTEL_SETTINGS) delete process.env[name];
});

const SERVER = 2;

describe('OpenTelemetry tracing', () => {
  it('traces an async retain from the request through the workflow to every chunk activity', async () => {
    // The caller's trace: the API continues it (W3C traceparent).
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const bank = uniqueBank('trace');
    const res = await http(
      svc.url,
      'POST',
      `/v1/default/banks/${bank}/memories`,
      { items: documents(25), async: true },
      { traceparent: `00-${traceId}-${callerSpanId}-01` },
    );
    expect(res.status).toBe(202);
    const operationId: string = res.body.operation_id;
    await waitForOperation(svc.url, bank, operationId);

    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    const named = (name: string) => inTrace().filter((s) => s.name === name);
    // Three chunks of at most 10 documents, each activity attempt a span of its own.
    // The workflow's spans leave the sandbox when they end, the run's with the workflow.
    await waitFor(
      'the workflow and chunk activity spans',
      async () =>
        named('RunActivity:retainChunk').length >= 3 && named('RunWorkflow:batchRetainWorkflow').length > 0,
      30_000,
    ).catch((error) => {
      throw new Error(
        `${error.message}; spans of the trace: ${inTrace()
          .map((s) => s.name)
          .join(', ')}`,
      );
    });

    const byId = new Map(inTrace().map((s) => [s.spanId, s]));
    const parentOf = (span: ReceivedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);

    const api = inTrace().find((s) => s.kind === SERVER);
    expect(api?.name).toBe('POST /v1/default/banks/:bank_id/memories');
    expect(api?.parentSpanId).toBe(callerSpanId);
    expect(api?.attributes['hindsight.operation_id']).toBe(operationId);
    expect(api?.attributes['hindsight.bank_id']).toBe(bank);
    expect(api?.service).toBe('hindsight-under-test');

    const start = named('StartWorkflow:batchRetainWorkflow');
    expect(start).toHaveLength(1);
    expect(parentOf(start[0]!)).toBe(api);

    const run = named('RunWorkflow:batchRetainWorkflow');
    expect(run.length).toBeGreaterThanOrEqual(1);
    for (const span of run) {
      expect(parentOf(span)).toBe(start[0]);
      expect(span.attributes['hindsight.operation_id']).toBe(operationId);
    }

    const chunks = named('RunActivity:retainChunk');
    for (const chunk of chunks) {
      // RunActivity's parent is the workflow's StartActivity, whose parent is the workflow run.
      const scheduled = parentOf(chunk);
      expect(scheduled?.name).toBe('StartActivity:retainChunk');
      expect(run).toContain(parentOf(scheduled!));
      expect(chunk.attributes['hindsight.operation_id']).toBe(operationId);
      expect(chunk.attributes['hindsight.bank_id']).toBe(bank);
    }

    // The store's statements appear inside the request and the activities.
    const statements = inTrace().filter((s) => s.name === 'db.query' || s.name === 'db.transaction');
    expect(statements.some((s) => parentOf(s) === api)).toBe(true);
    expect(statements.some((s) => chunks.includes(parentOf(s)!))).toBe(true);
  });
});
