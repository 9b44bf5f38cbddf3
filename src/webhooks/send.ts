import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import {
  addressKind,
  allows,
  guardedLookup,
  PrivateAddressError,
  type WebhookNetworks,
} from './url-guard.js';

const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

/** `v1=<hex HMAC-SHA256 of "timestamp.body">`, the scheme both clients verify. */
export function signPayload(secret: string, timestamp: number, body: string): string {
  return `v1=${hmac(secret, `${timestamp}.${body}`)}`;
}

/**
 * The headers a receiver written for Hindsight checks: `sha256=<hex HMAC of the body>` under its name and
 * GitHub's, and `t=<unix>,v1=<hex HMAC of "t.body">` (which also dates the attempt).
 */
export function hindsightHeaders(req: SignedRequest, timestamp: number): Record<string, string> {
  const bodySignature = `sha256=${hmac(req.secret, req.body)}`;
  return {
    'x-hindsight-event': req.event,
    'x-hindsight-event-id': req.eventId,
    'x-hindsight-delivery-id': req.deliveryId,
    'x-hindsight-signature': bodySignature,
    'x-hub-signature-256': bodySignature,
    'x-hindsight-signature-v2': `t=${timestamp},${signPayload(req.secret, timestamp, req.body)}`,
  };
}

export interface SignedRequest {
  url: string;
  eventId: string;
  deliveryId: string;
  /** The body's `event`, sent as `X-Hindsight-Event`. */
  event: string;
  /** The webhook's own headers (`http_config.headers`), which never replace the ones set here. */
  headers?: Record<string, string>;
  /** Added to the URL's query (`http_config.params`). */
  params?: Record<string, string>;
  body: string;
  secret: string;
  /** Which non-public networks may receive it. */
  networks: WebhookNetworks;
  timeoutMs: number;
  /** Unix seconds; the current time unless given. */
  timestamp?: number;
}

export interface SendOutcome {
  /** null when no HTTP answer came back (connection refused, timeout, refused address). */
  statusCode: number | null;
  ok: boolean;
  error: string | null;
  /** The address was refused (non-public): retrying will not help. */
  refused: boolean;
}

/**
 * One signed POST. Redirects are not followed (a receiver that moved must be updated, and a redirect could
 * point anywhere); only a 2xx answer counts as delivered.
 */
export function sendSigned(req: SignedRequest): Promise<SendOutcome> {
  const url = new URL(req.url);
  for (const [name, value] of Object.entries(req.params ?? {})) url.searchParams.append(name, value);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !allows(req.networks, addressKind(host))) {
    return Promise.resolve({
      statusCode: null,
      ok: false,
      error: `${host} is a non-public address`,
      refused: true,
    });
  }
  const timestamp = req.timestamp ?? Math.floor(Date.now() / 1000);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        headers: {
          ...req.headers,
          ...hindsightHeaders(req, timestamp),
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(req.body),
          'user-agent': 'hindsight-webhooks/1',
          'webhook-id': req.eventId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signPayload(req.secret, timestamp, req.body),
        },
        lookup: guardedLookup(req.networks) as never,
        timeout: req.timeoutMs,
      },
      (res) => {
        res.resume(); // the answer's body is not used; drain it so the socket is freed
        res.on('end', () => {
          const statusCode = res.statusCode ?? 0;
          const ok = statusCode >= 200 && statusCode < 300;
          resolve({ statusCode, ok, error: ok ? null : `receiver answered ${statusCode}`, refused: false });
        });
        res.on('error', (err) =>
          resolve({ statusCode: res.statusCode ?? null, ok: false, error: err.message, refused: false }),
        );
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${req.timeoutMs} ms`)));
    outgoing.on('error', (err) => {
      const refused = err instanceof PrivateAddressError;
      const code = (err as { code?: string }).code ?? '';
      // Node's messages often name the code already ("getaddrinfo ENOTFOUND host"): say it once.
      const message = refused || err.message.includes(code) ? err.message : `${code} ${err.message}`.trim();
      resolve({ statusCode: null, ok: false, error: message, refused });
    });
    outgoing.end(req.body);
  });
}
