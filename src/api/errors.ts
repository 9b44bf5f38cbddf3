import { ServiceError as TemporalServiceError } from '@temporalio/client';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ApiError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isOutOfSpace, OUT_OF_SPACE, type StorageWatch } from '../store/storage.js';

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** Every failure leaves the API in one JSON shape with a stable code. */
export function handleError(logger: Logger, storage: StorageWatch) {
  return (error: Error, c: Context) => {
    if (error instanceof ApiError) {
      if (error.retryAfterSeconds !== undefined) c.header('Retry-After', String(error.retryAfterSeconds));
      return c.json(errorBody(error.code, error.message), error.status as ContentfulStatusCode);
    }
    if (error instanceof HTTPException) {
      const status = error.status as ContentfulStatusCode;
      const code = status === 413 ? 'payload_too_large' : status === 401 ? 'unauthorized' : 'invalid_request';
      return c.json(errorBody(code, error.message || 'bad request'), status);
    }
    if (isOutOfSpace(error)) {
      storage.noteError(error);
      logger.error({ err: error, path: c.req.path }, 'store out of disk space');
      return c.json(errorBody('unavailable', OUT_OF_SPACE), 503);
    }
    if (isUnavailable(error)) {
      logger.warn({ err: error, path: c.req.path }, 'dependency unavailable');
      return c.json(
        errorBody('unavailable', `a backing service is unavailable, retry shortly: ${error.message}`),
        503,
      );
    }
    logger.error({ err: error, path: c.req.path }, 'request failed');
    return c.json(errorBody('internal', 'internal error; the server log has the details'), 500);
  };
}

/** Connection failures to the database or Temporal mean "try again", not "bug". */
function isUnavailable(error: Error): boolean {
  // Temporal's client throws its ServiceError when a call to the server fails (unreachable, overloaded).
  if (error instanceof TemporalServiceError) return true;
  const text = `${error.name} ${error.message} ${(error as { code?: string }).code ?? ''}`;
  return /ECONNREFUSED|ECONNRESET|ETIMEDOUT|57P01|57P03|connection terminated|Connection terminated|UNAVAILABLE|DEADLINE_EXCEEDED|TransportError/i.test(
    text,
  );
}
