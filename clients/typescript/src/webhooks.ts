import { createHmac, timingSafeEqual } from 'node:crypto';
import { camelizeKeys } from './case.js';
import { HindsightError } from './errors.js';
import { type WebhookEventPayload, webhookEventSchema } from './schemas.js';

export interface VerifyWebhookSignatureOptions {
  /** The request body exactly as received (before any JSON parsing). */
  payload: string;
  headers: Record<string, string | string[] | undefined> | Headers;
  secret: string;
  /** Maximum age (and future skew) of `webhook-timestamp`; defaults to 300 seconds. */
  toleranceSeconds?: number;
  /** Current time in unix seconds; defaults to the system clock. */
  nowSeconds?: number;
}

export class WebhookVerificationError extends HindsightError {
  override name = 'WebhookVerificationError';
}

/**
 * Checks a webhook delivery's `webhook-signature` (`v1=<hex HMAC-SHA256 of "timestamp.body">`) and
 * rejects timestamps outside the tolerance so a captured delivery cannot be replayed later.
 * Throws WebhookVerificationError saying what is wrong.
 */
export function assertWebhookSignature(options: VerifyWebhookSignatureOptions): void {
  const id = header(options.headers, 'webhook-id');
  const timestampText = header(options.headers, 'webhook-timestamp');
  const signatureText = header(options.headers, 'webhook-signature');
  if (!id) throw new WebhookVerificationError('missing webhook-id header');
  if (!timestampText) throw new WebhookVerificationError('missing webhook-timestamp header');
  if (!signatureText) throw new WebhookVerificationError('missing webhook-signature header');
  if (!/^\d+$/.test(timestampText))
    throw new WebhookVerificationError('webhook-timestamp is not unix seconds');

  const timestamp = Number(timestampText);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(now - timestamp) > tolerance) {
    throw new WebhookVerificationError(
      `webhook-timestamp is ${now - timestamp} s away from now (tolerance ${tolerance} s)`,
    );
  }

  const expected = createHmac('sha256', options.secret)
    .update(`${timestampText}.${options.payload}`)
    .digest();
  // Several signatures may be sent side by side while a secret is being rotated.
  const candidates = signatureText
    .split(/[\s,]+/)
    .filter((part) => part.startsWith('v1='))
    .map((part) => part.slice(3));
  for (const candidate of candidates) {
    if (!/^[0-9a-f]+$/i.test(candidate) || candidate.length !== expected.length * 2) continue;
    if (timingSafeEqual(Buffer.from(candidate, 'hex'), expected)) return;
  }
  throw new WebhookVerificationError('no webhook-signature matches the payload and secret');
}

/** Boolean form of assertWebhookSignature. */
export function verifyWebhookSignature(options: VerifyWebhookSignatureOptions): boolean {
  try {
    assertWebhookSignature(options);
    return true;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return false;
    throw error;
  }
}

/**
 * Parses a delivery body (after its signature was checked) into a camelCase event whose `data` is the
 * operation as it ended. Throws WebhookVerificationError when the body is not a Hindsight event.
 */
export function parseWebhookEvent(payload: string): WebhookEventPayload {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    throw new WebhookVerificationError('webhook payload is not JSON');
  }
  const parsed = webhookEventSchema.safeParse(camelizeKeys(json));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new WebhookVerificationError(
      `webhook payload is not a Hindsight event: ${first?.path.map(String).join('.') || '(body)'}: ${first?.message}`,
    );
  }
  return parsed.data;
}

function header(headers: VerifyWebhookSignatureOptions['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}
