import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';

/**
 * Paths anyone may call: load balancers and orchestrators probe health without a key, and the API reference
 * holds no data, so a newcomer can read it and enter a key on the page itself.
 */
const OPEN_PATHS = new Set(['/health', '/health/live', '/health/ready', '/openapi.json', '/docs']);
const isOpen = (path: string) => OPEN_PATHS.has(path) || path.startsWith('/docs/');
const BANK_IN_PATH = /^\/v1\/default\/banks\/([^/]+)/;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The banks a request's key is limited to (absent: any bank), for routes that list banks. */
export const bankScope = new WeakMap<Request, ReadonlySet<string>>();

/**
 * Bearer API keys (HINDSIGHT_API_KEYS). With none configured the API is open. Keys are compared as SHA-256
 * digests with timingSafeEqual, against every configured key, so neither a key's length nor a matching
 * prefix shows in the response time. Keys are never logged or echoed.
 */
export function apiKeyAuth(apiKeys: Map<string, string[] | null>): MiddlewareHandler {
  const keys = [...apiKeys].map(([key, banks]) => ({
    digest: sha256(key),
    banks: banks ? new Set(banks) : null,
  }));
  return async (c, next) => {
    if (keys.length === 0 || isOpen(c.req.path)) return next();
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
    if (!match) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json(
        errorBody('unauthorized', 'this server requires an API key: send "Authorization: Bearer <key>"'),
        401,
      );
    }
    const presented = sha256(match[1]!);
    let found: (typeof keys)[number] | undefined;
    for (const key of keys) {
      if (timingSafeEqual(key.digest, presented) && !found) found = key;
    }
    if (!found) {
      c.header('WWW-Authenticate', 'Bearer error="invalid_token"');
      return c.json(errorBody('unauthorized', 'the API key is not valid for this server'), 401);
    }
    if (found.banks) bankScope.set(c.req.raw, found.banks);
    const bank = BANK_IN_PATH.exec(c.req.path)?.[1];
    if (found.banks && bank !== undefined) {
      let bankId = bank;
      try {
        bankId = decodeURIComponent(bank);
      } catch {
        // a malformed escape never names an allowed bank
      }
      if (!found.banks.has(bankId)) {
        return c.json(errorBody('forbidden', `this API key may not access bank ${bankId}`), 403);
      }
    }
    return next();
  };
}
