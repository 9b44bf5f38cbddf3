import { trace } from '@opentelemetry/api';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

// Bundled after the SDK's OpenTelemetry workflow interceptors, so their workflow span is the active one here:
// it gets the operation and bank ids of the workflow's input, to find an operation's trace from its id.
// Without tracing the span is never exported, and this costs a lookup per workflow run.

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        const first = input.args[0] as { operationId?: unknown; bankId?: unknown } | undefined;
        const span = trace.getActiveSpan();
        if (span && typeof first?.operationId === 'string')
          span.setAttribute('hindsight.operation_id', first.operationId);
        if (span && typeof first?.bankId === 'string') span.setAttribute('hindsight.bank_id', first.bankId);
        return next(input);
      },
    },
  ],
});
