import type { MiddlewareHandler } from 'hono';
import { type ConnectionLimiter, clientOf } from './connection-limits.js';

/**
 * Refuses a request for a held connection (an event stream) that its limiter would refuse anyway, before the
 * rest of the middleware chain (tracing, metrics, compression, authentication, body limit) spends anything
 * on it: a client retrying past its bound sends a steady stream of these, and each should cost next to
 * nothing. The route still acquires its lease through the same limiter, so this only answers earlier.
 *
 * With API keys on, only a client's own bound is checked here: a key holds streams only once it has passed
 * authentication, so a client at its bound is a known one, while the process-wide 503 is left until after
 * authentication so that a request without a valid key is still answered 401.
 */
export function refuseEarly(limiter: ConnectionLimiter, { keysOn }: { keysOn: boolean }): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET') {
      const refused = limiter.refusal(clientOf(c), { overTotal: !keysOn });
      if (refused) throw refused;
    }
    await next();
  };
}
