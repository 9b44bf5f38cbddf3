import { type Attributes, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResourcesSync, envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { Logger } from '../logger.js';

// OpenTelemetry tracing: off unless OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is
// set. The exporter, the batch processor, the sampler and the resource read the other standard OTEL_*
// variables themselves (headers, timeout, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER…).

export interface Tracing {
  spanProcessor: SpanProcessor;
  resource: Resource;
}

/** Span attributes that let a user find an operation's trace from its id. */
export const ATTR_OPERATION_ID = 'hindsight.operation_id';
export const ATTR_BANK_ID = 'hindsight.bank_id';

export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT);
}

let installed: Tracing | null | undefined;

/** Installs the process-wide tracer provider once; undefined when tracing is off. */
export function startTracing(logger: Logger, env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (installed !== undefined) return installed ?? undefined;
  if (!tracingEnabled(env)) {
    installed = null;
    return undefined;
  }
  const protocol =
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    logger.warn({ protocol }, 'OTLP protocol not supported for traces: sending http/protobuf');
  }
  const exporter = protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtobufExporter();
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': 'hindsight' }))
    .merge(detectResourcesSync({ detectors: [envDetectorSync] }));
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // Also installs the W3C trace-context propagator and the async-local-storage context manager.
  provider.register();
  installed = { spanProcessor, resource };
  logger.info({ protocol, service: resource.attributes['service.name'] }, 'OpenTelemetry tracing on');
  return installed;
}

/** Puts the operation and bank ids of an input (when it has them) on the current span. */
export function annotateSpan(input: unknown): void {
  const span = trace.getActiveSpan();
  if (!span || typeof input !== 'object' || input === null) return;
  const { operationId, bankId } = input as { operationId?: unknown; bankId?: unknown };
  const attributes: Attributes = {};
  if (typeof operationId === 'string') attributes[ATTR_OPERATION_ID] = operationId;
  if (typeof bankId === 'string') attributes[ATTR_BANK_ID] = bankId;
  span.setAttributes(attributes);
}
