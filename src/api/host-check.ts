import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';

// A server on loopback without API keys trusts whoever can connect, and a web page can connect: it makes a
// name of its own (evil.example) resolve to 127.0.0.1 after loading (DNS rebinding) and then calls the API
// as same-origin, reading memories, cancelling work and adding webhooks. The browser still sends the page's
// name in Host, so such a server answers only requests addressed to a loopback name, as local development
// servers do. An IP literal is safe to accept: a rebinding page can only ever use a name.

/** Host names a keyless loopback server always answers: what a local client types. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
/** The documented list, for messages and the README. */
export const ALWAYS_ALLOWED_HOSTS = 'localhost, *.localhost, 127.0.0.0/8 and [::1]';

/** Probes (an orchestrator's health check) need no name; /health holds no data. */
const UNCHECKED_PATHS = new Set(['/health', '/health/live', '/health/ready']);

/** Whether the API binds a loopback address only, so that nobody but this host can connect. */
export function isLoopbackBind(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/** The host part of a Host header (no port, no brackets, lower case, no trailing dot). */
export function hostName(header: string): string {
  const text = header.trim().toLowerCase();
  const name = text.startsWith('[') ? text.slice(1, text.indexOf(']')) : text.replace(/:\d*$/, '');
  return name.replace(/\.$/, '');
}

function isLoopbackName(name: string): boolean {
  if (LOOPBACK_NAMES.includes(name) || name.endsWith('.localhost')) return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

/**
 * Refuses (403) a request whose Host is neither a loopback name nor one of `allowedHosts`
 * (HINDSIGHT_ALLOWED_HOSTS; `*` allows any). Only installed when there are no API keys and the bind
 * address is loopback: with keys, a page cannot present one; bound elsewhere, names are the operator's.
 */
export function loopbackHostCheck(allowedHosts: string[]): MiddlewareHandler {
  const allowed = new Set(allowedHosts.map(hostName));
  const anyHost = allowed.has('*');
  return async (c, next) => {
    const header = c.req.header('host');
    // HTTP/1.0 clients may send no Host; browsers always send one.
    if (anyHost || header === undefined || UNCHECKED_PATHS.has(c.req.path)) return next();
    const name = hostName(header);
    if (isLoopbackName(name) || allowed.has(name)) return next();
    return c.json(
      errorBody(
        'forbidden',
        `this server has no API keys and listens on loopback, so it answers only requests addressed to ` +
          `${ALWAYS_ALLOWED_HOSTS} (this one was addressed to ${JSON.stringify(header.slice(0, 100))}): add the name to ` +
          'HINDSIGHT_ALLOWED_HOSTS to allow it, or set HINDSIGHT_API_KEYS',
      ),
      403,
    );
  };
}
