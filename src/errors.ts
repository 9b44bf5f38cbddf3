import { retentionWords } from './retention-period.js';

/**
 * Failures a caller can act on; the API maps each to one HTTP status and a stable code. (Not to be confused
 * with `ServiceError` from @temporalio/client, which means Temporal's server could not be reached.)
 */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 501 | 502 | 503,
    readonly code: string,
    message: string,
    /** Sent as Retry-After: when a retry may succeed (a limit that frees up, a service at capacity). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new ApiError(400, 'invalid_request', message);
export const notFound = (message: string) => new ApiError(404, 'not_found', message);
/** An operation whose record the retention sweep removed (src/store/retention.ts). */
export const operationExpired = (operationId: string, retentionMs: number) =>
  new ApiError(
    404,
    'operation_expired',
    `operation ${operationId} expired after the retention period of ${retentionWords(retentionMs)} and its ` +
      'record was removed',
  );
export const conflict = (message: string) => new ApiError(409, 'conflict', message);
export const tooLarge = (message: string) => new ApiError(413, 'payload_too_large', message);
export const unsupportedType = (message: string) => new ApiError(415, 'unsupported_media_type', message);
/** A route of the Hindsight API this service does not serve: the message names the feature. */
export const notServed = (message: string) => new ApiError(501, 'not_implemented', message);
/** The work itself failed (with a model provider: most often the provider refused it). */
export const workFailed = (message: string) => new ApiError(502, 'operation_failed', message);
/** The model provider refused a call or kept failing it: the message carries the provider's words. */
export const providerFailed = (message: string) => new ApiError(502, 'model_provider_failed', message);
export const unavailable = (message: string, retryAfterSeconds?: number) =>
  new ApiError(503, 'unavailable', message, retryAfterSeconds);
export const tooMany = (message: string, retryAfterSeconds: number) =>
  new ApiError(429, 'too_many_requests', message, retryAfterSeconds);
