import { type OperationType, TERMINAL_STATUSES, type TerminalStatus } from '../../workflows/definitions.js';
import type { Sql } from './db.js';
import { ensureBank } from './operations.js';

/** One event per way an operation can end: `operation.completed`, `operation.failed`, `operation.cancelled`. */
export type WebhookEventType = `operation.${TerminalStatus}`;
export const WEBHOOK_EVENT_TYPES = TERMINAL_STATUSES.map((status): WebhookEventType => `operation.${status}`);
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookRow {
  id: string;
  bank_id: string;
  url: string;
  events: WebhookEventType[];
  /** The operation types it is told about; null: every type. */
  operation_types: OperationType[] | null;
  secret: string;
  enabled: boolean;
  /** The Hindsight event names it was registered with; null when registered with `events`. */
  event_types: string[] | null;
  http_config: WebhookHttpSettings;
  created_at: Date;
  updated_at: Date;
}

/** Per-webhook delivery settings, Hindsight's `http_config` (validated at the API). */
export interface WebhookHttpSettings {
  method?: 'POST';
  timeout_seconds?: number;
  headers?: Record<string, string>;
  params?: Record<string, string>;
}

/** What the API shows: never the secret. */
export interface WebhookView {
  id: string;
  bank_id: string;
  url: string;
  events: WebhookEventType[];
  operation_types: OperationType[] | null;
  event_types: string[];
  enabled: boolean;
  http_config: WebhookHttpSettings;
  has_secret: boolean;
  created_at: string;
  updated_at: string;
}

export function toWebhookView(row: WebhookRow): WebhookView {
  return {
    id: row.id,
    bank_id: row.bank_id,
    url: row.url,
    events: row.events,
    operation_types: row.operation_types ?? null,
    event_types: row.event_types ?? row.events,
    enabled: row.enabled,
    http_config: row.http_config,
    has_secret: row.secret.length > 0,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const WEBHOOK_COLUMNS =
  'id, bank_id, url, events, operation_types, secret, enabled, event_types, http_config, created_at, updated_at';

export async function insertWebhook(
  sql: Sql,
  w: {
    id: string;
    bankId: string;
    url: string;
    events: WebhookEventType[];
    operationTypes?: OperationType[] | null;
    secret: string;
    enabled?: boolean;
    eventTypes?: string[] | null;
    httpConfig?: WebhookHttpSettings;
  },
): Promise<WebhookRow> {
  await ensureBank(sql, w.bankId);
  const rows = await sql.query<WebhookRow>(
    `INSERT INTO webhooks (id, bank_id, url, events, operation_types, secret, enabled, event_types, http_config)
     VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8::jsonb, $9::jsonb) RETURNING ${WEBHOOK_COLUMNS}`,
    [
      w.id,
      w.bankId,
      w.url,
      JSON.stringify(w.events),
      w.operationTypes ? JSON.stringify(w.operationTypes) : null,
      w.secret,
      w.enabled ?? true,
      w.eventTypes ? JSON.stringify(w.eventTypes) : null,
      JSON.stringify(w.httpConfig ?? {}),
    ],
  );
  return rows[0]!;
}

export async function getWebhook(sql: Sql, bankId: string, id: string): Promise<WebhookRow | undefined> {
  const rows = await sql.query<WebhookRow>(
    `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND bank_id = $2`,
    [id, bankId],
  );
  return rows[0];
}

export async function listWebhooks(sql: Sql, bankId: string): Promise<WebhookRow[]> {
  return sql.query<WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE bank_id = $1 ORDER BY seq`, [
    bankId,
  ]);
}

export interface WebhookPatch {
  url?: string | undefined;
  events?: WebhookEventType[] | undefined;
  operationTypes?: OperationType[] | undefined;
  secret?: string | undefined;
  enabled?: boolean | undefined;
  /** undefined keeps them; null clears them (the webhook was re-subscribed with `events`). */
  eventTypes?: string[] | null | undefined;
  httpConfig?: WebhookHttpSettings | undefined;
}

export async function updateWebhook(
  sql: Sql,
  bankId: string,
  id: string,
  patch: WebhookPatch,
): Promise<WebhookRow | undefined> {
  const rows = await sql.query<WebhookRow>(
    `UPDATE webhooks SET url = coalesce($3, url), events = coalesce($4::jsonb, events),
       secret = coalesce($5, secret), enabled = coalesce($6, enabled),
       operation_types = coalesce($7::jsonb, operation_types),
       event_types = CASE WHEN $8::boolean THEN $9::jsonb ELSE event_types END,
       http_config = coalesce($10::jsonb, http_config), updated_at = clock_timestamp()
     WHERE id = $1 AND bank_id = $2 RETURNING ${WEBHOOK_COLUMNS}`,
    [
      id,
      bankId,
      patch.url ?? null,
      patch.events ? JSON.stringify(patch.events) : null,
      patch.secret ?? null,
      patch.enabled ?? null,
      patch.operationTypes ? JSON.stringify(patch.operationTypes) : null,
      patch.eventTypes !== undefined,
      patch.eventTypes ? JSON.stringify(patch.eventTypes) : null,
      patch.httpConfig ? JSON.stringify(patch.httpConfig) : null,
    ],
  );
  return rows[0];
}

/**
 * Deletes the webhook with its delivery log. Returns the events it still had deliveries pending for (their
 * workflows are to be stopped), or undefined when the bank has no such webhook.
 */
export async function deleteWebhook(sql: Sql, bankId: string, id: string): Promise<string[] | undefined> {
  // One statement: its sub-queries see the rows as they were before the cascade removed the deliveries.
  const rows = await sql.query<{ pending: string[] }>(
    `WITH gone AS (DELETE FROM webhooks WHERE id = $1 AND bank_id = $2 RETURNING id)
     SELECT coalesce((SELECT array_agg(event_id) FROM webhook_deliveries WHERE webhook_id = $1
       AND status = 'pending'), '{}') AS pending FROM gone`,
    [id, bankId],
  );
  return rows[0]?.pending;
}

/** The bank's enabled webhooks that asked for this event type, of this operation type (or of every type). */
export async function listSubscribedWebhooks(
  sql: Sql,
  bankId: string,
  eventType: WebhookEventType,
  operationType: OperationType,
): Promise<WebhookRow[]> {
  return sql.query<WebhookRow>(
    `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE bank_id = $1 AND enabled AND events @> $2::jsonb
       AND (operation_types IS NULL OR operation_types @> $3::jsonb) ORDER BY seq`,
    [bankId, JSON.stringify([eventType]), JSON.stringify([operationType])],
  );
}

export async function insertEvent(
  sql: Sql,
  e: { id: string; bankId: string; type: WebhookEventType; operationId: string; payload: string },
): Promise<void> {
  await sql.query(
    `INSERT INTO webhook_events (id, bank_id, type, operation_id, payload) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [e.id, e.bankId, e.type, e.operationId, e.payload],
  );
}

export async function insertDelivery(
  sql: Sql,
  d: { id: string; webhookId: string; eventId: string },
): Promise<void> {
  await sql.query(
    `INSERT INTO webhook_deliveries (id, webhook_id, event_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [d.id, d.webhookId, d.eventId],
  );
}

export interface DeliveryView {
  id: string;
  event_id: string;
  event_type: WebhookEventType;
  operation_id: string;
  attempts: number;
  status: DeliveryStatus;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
}

/** A delivery as the database returns it: its times are dates, which the view sends as ISO strings. */
type DeliveryRow = Omit<DeliveryView, 'next_attempt_at' | 'delivered_at' | 'created_at'> & {
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
};

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export async function listDeliveries(
  sql: Sql,
  webhookId: string,
  limit: number,
  offset: number,
): Promise<{ deliveries: DeliveryView[]; total: number }> {
  const [count] = await sql.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM webhook_deliveries WHERE webhook_id = $1',
    [webhookId],
  );
  const rows = await sql.query<DeliveryRow>(
    `SELECT d.id, d.event_id, e.type AS event_type, e.operation_id, d.attempts, d.status, d.last_status_code,
       d.last_error, d.next_attempt_at, d.delivered_at, d.created_at
     FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
     WHERE d.webhook_id = $1 ORDER BY d.seq DESC LIMIT $2 OFFSET $3`,
    [webhookId, limit, offset],
  );
  return {
    deliveries: rows.map((r) => ({
      id: r.id,
      event_id: r.event_id,
      event_type: r.event_type,
      operation_id: r.operation_id,
      attempts: r.attempts,
      status: r.status,
      last_status_code: r.last_status_code,
      last_error: r.last_error,
      next_attempt_at: iso(r.next_attempt_at),
      delivered_at: iso(r.delivered_at),
      created_at: r.created_at.toISOString(),
    })),
    total: count?.n ?? 0,
  };
}

/** Everything one delivery attempt needs, read fresh each time so URL and secret changes apply. */
export interface PendingDelivery {
  delivery_id: string;
  status: DeliveryStatus;
  url: string;
  secret: string;
  enabled: boolean;
  http_config: WebhookHttpSettings;
  event_id: string;
  payload: string;
}

export async function loadDelivery(
  sql: Sql,
  webhookId: string,
  eventId: string,
): Promise<PendingDelivery | undefined> {
  const rows = await sql.query<PendingDelivery>(
    `SELECT d.id AS delivery_id, d.status, w.url, w.secret, w.enabled, w.http_config, e.id AS event_id,
       e.payload
     FROM webhook_deliveries d
     JOIN webhooks w ON w.id = d.webhook_id
     JOIN webhook_events e ON e.id = d.event_id
     WHERE d.webhook_id = $1 AND d.event_id = $2`,
    [webhookId, eventId],
  );
  return rows[0];
}

export interface AttemptRecord {
  statusCode: number | null;
  error: string | null;
  delivered: boolean;
  /** When the next attempt is due; null when none will follow. */
  nextAttemptAt: Date | null;
  /** Gives up: the delivery ends as failed. */
  final?: boolean;
}

export async function recordAttempt(sql: Sql, deliveryId: string, a: AttemptRecord): Promise<void> {
  const status: DeliveryStatus = a.delivered ? 'delivered' : a.final ? 'failed' : 'pending';
  await sql.query(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, status = $2, last_status_code = $3, last_error = $4,
       next_attempt_at = $5, delivered_at = CASE WHEN $6 THEN clock_timestamp() ELSE delivered_at END
     WHERE id = $1 AND status <> 'delivered'`,
    [deliveryId, status, a.statusCode, a.error, a.nextAttemptAt, a.delivered],
  );
}

/** Ends a delivery that will not be attempted again (retries exhausted, webhook disabled). */
export async function markDeliveryFailed(
  sql: Sql,
  webhookId: string,
  eventId: string,
  error: string,
): Promise<void> {
  await sql.query(
    `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL,
       last_error = CASE WHEN last_error IS NULL THEN $3 ELSE $3 || ' (last attempt: ' || last_error || ')' END
     WHERE webhook_id = $1 AND event_id = $2 AND status = 'pending'`,
    [webhookId, eventId, error],
  );
}

/** Webhook deliveries in the outbox by status, for the outbox gauge. */
export async function countDeliveriesByStatus(sql: Sql): Promise<{ status: string; n: number }[]> {
  return sql.query('SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status');
}
