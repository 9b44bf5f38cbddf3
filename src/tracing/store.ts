import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Database, Sql } from '../store/db.js';

const tracer = trace.getTracer('hindsight-store');

/** Statements are long; a span keeps their start, which names the statement. */
const STATEMENT_CHARS = 300;

async function inSpan<T>(name: string, statement: string | undefined, fn: () => Promise<T>): Promise<T> {
  // Only inside a traced request or activity: background sweeps would otherwise each open a trace.
  if (!trace.getActiveSpan()) return fn();
  return tracer.startActiveSpan(
    name,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'db.system': 'postgresql',
        ...(statement ? { 'db.statement': statement.slice(0, STATEMENT_CHARS) } : {}),
      },
    },
    async (span: Span) => {
      try {
        return await fn();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

const tracedSql = (sql: Sql): Sql => ({
  query: <T>(text: string, params?: unknown[]) => inSpan('db.query', text, () => sql.query<T>(text, params)),
  exec: (script) => inSpan('db.exec', script, () => sql.exec(script)),
});

/** The store with a span per statement and per transaction (with its statements inside). */
export function traceDatabase(db: Database): Database {
  return {
    ...tracedSql(db),
    transaction: <T>(fn: (tx: Sql) => Promise<T>) =>
      inSpan('db.transaction', undefined, () => db.transaction((tx) => fn(tracedSql(tx)))),
    close: () => db.close(),
  };
}
