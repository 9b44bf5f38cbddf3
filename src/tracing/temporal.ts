import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import type { Tracing } from './index.js';

/**
 * The workflow side of tracing, bundled always (so one bundle serves both settings): the SDK's OpenTelemetry
 * workflow interceptors, then ours, which puts the operation and bank ids on the workflow's span.
 */
export const TRACING_WORKFLOW_MODULES = [
  createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
  fileURLToPath(new URL('../../workflows/tracing-interceptors.ts', import.meta.url)),
];

/** The workflow span context goes into the workflow's headers, so the workflow's spans join the caller's trace. */
export const tracingClientInterceptors = (tracing: Tracing | undefined) =>
  tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : {};

/** Activity spans (one per attempt) and the sink that exports the workflow sandbox's spans. */
export function workerTracingOptions(
  tracing: Tracing | undefined,
): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  if (!tracing) {
    // The bundled workflow interceptors still export their spans: here, to nowhere.
    return { sinks: { exporter: { export: { fn: () => undefined } } } };
  }
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
