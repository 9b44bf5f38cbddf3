import type { Operation } from './schemas.js';

/** Base class of every error this client throws on purpose. */
export class HindsightError extends Error {
  override name = 'HindsightError';
}

/** The API answered with a 4xx/5xx status. */
export class HindsightApiError extends HindsightError {
  override name = 'HindsightApiError';
  readonly status: number;
  /** The server's stable error code, e.g. `not_found`; `unknown` when the body carried none. */
  readonly code: string;
  readonly method: string;
  readonly url: string;
  /** Retry-After in milliseconds when the server sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    method: string;
    url: string;
    retryAfterMs?: number | undefined;
  }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.method = init.method;
    this.url = init.url;
    this.retryAfterMs = init.retryAfterMs;
  }
}

export class BadRequestError extends HindsightApiError {
  override name = 'BadRequestError';
}
export class AuthenticationError extends HindsightApiError {
  override name = 'AuthenticationError';
}
export class PermissionDeniedError extends HindsightApiError {
  override name = 'PermissionDeniedError';
}
export class NotFoundError extends HindsightApiError {
  override name = 'NotFoundError';
}
export class ConflictError extends HindsightApiError {
  override name = 'ConflictError';
}
export class PayloadTooLargeError extends HindsightApiError {
  override name = 'PayloadTooLargeError';
}
export class RateLimitError extends HindsightApiError {
  override name = 'RateLimitError';
}
export class ServerError extends HindsightApiError {
  override name = 'ServerError';
}

type ApiErrorInit = ConstructorParameters<typeof HindsightApiError>[0];

export function apiErrorFor(init: ApiErrorInit): HindsightApiError {
  switch (init.status) {
    case 400:
      return new BadRequestError(init);
    case 401:
      return new AuthenticationError(init);
    case 403:
      return new PermissionDeniedError(init);
    case 404:
      return new NotFoundError(init);
    case 409:
      return new ConflictError(init);
    case 413:
      return new PayloadTooLargeError(init);
    case 429:
      return new RateLimitError(init);
    default:
      return init.status >= 500 ? new ServerError(init) : new HindsightApiError(init);
  }
}

/** The API could not be reached at all (refused, DNS failure, reset before an answer). */
export class HindsightConnectionError extends HindsightError {
  override name = 'HindsightConnectionError';
  readonly baseUrl: string;

  constructor(baseUrl: string, cause: unknown) {
    super(`cannot reach the Hindsight API at ${baseUrl}: ${explain(baseUrl, describeCause(cause))}`, {
      cause,
    });
    this.baseUrl = baseUrl;
  }
}

/** The server answered 2xx but the body does not have the documented shape. */
export class HindsightResponseValidationError extends HindsightError {
  override name = 'HindsightResponseValidationError';
  readonly method: string;
  readonly url: string;
  readonly body: unknown;

  constructor(init: { method: string; url: string; body: unknown; details: string }) {
    super(`unexpected response from ${init.method} ${init.url}: ${init.details}`);
    this.method = init.method;
    this.url = init.url;
    this.body = init.body;
  }
}

export class OperationFailedError extends HindsightError {
  override name = 'OperationFailedError';
  readonly operation: Operation;

  constructor(operation: Operation) {
    super(`operation ${operation.operationId} failed: ${operation.error ?? 'no error message'}`);
    this.operation = operation;
  }
}

export class OperationCancelledError extends HindsightError {
  override name = 'OperationCancelledError';
  readonly operation: Operation;

  constructor(operation: Operation) {
    super(`operation ${operation.operationId} was cancelled`);
    this.operation = operation;
  }
}

/** waitForOperation gave up after its timeoutMs; the operation itself keeps running. */
export class OperationTimeoutError extends HindsightError {
  override name = 'OperationTimeoutError';
  readonly operation: Operation | undefined;

  constructor(operationId: string, timeoutMs: number, operation: Operation | undefined) {
    super(`operation ${operationId} did not finish within ${timeoutMs} ms`);
    this.operation = operation;
  }
}

/** fetch's own words for a port it never connects to (1, 7, 25, 6000 …, the Fetch standard's list). */
function explain(baseUrl: string, reason: string): string {
  if (reason.includes('ECONNREFUSED')) return `${reason} (connection refused: is the service running there?)`;
  if (reason !== 'bad port') return reason;
  let port = '';
  try {
    port = new URL(baseUrl).port;
  } catch {
    // the reason alone, then
  }
  return (
    `port ${port} is on fetch's list of ports it never connects to, so the API cannot be reached there ` +
    '(it listens on port 8888 unless the server sets HINDSIGHT_PORT)'
  );
}

function describeCause(cause: unknown): string {
  // fetch wraps socket failures as TypeError('fetch failed') with the useful part in .cause.
  const parts: string[] = [];
  let current: unknown = cause;
  for (let depth = 0; current && depth < 4; depth++) {
    if (current instanceof AggregateError && current.errors.length > 0) {
      current = current.errors[0];
      continue;
    }
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code;
      const text =
        typeof code === 'string' && !current.message.includes(code)
          ? `${code} ${current.message}`
          : current.message;
      if (text && text !== 'fetch failed') parts.push(text);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.at(-1) ?? 'connection failed';
}
