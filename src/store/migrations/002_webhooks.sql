-- Webhooks: a bank's subscriptions to operation events. The secret signs every delivery, so it is kept as
-- given (HMAC needs it); the API never returns it after creation.
CREATE TABLE webhooks (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  bank_id text NOT NULL REFERENCES banks (id),
  url text NOT NULL,
  events jsonb NOT NULL,
  secret text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX webhooks_by_bank ON webhooks (bank_id, seq);

-- One event per (operation, event type), written once: its id and body stay the same across every attempt
-- and every receiver, so receivers can deduplicate on the id. The body is kept as the exact text signed.
CREATE TABLE webhook_events (
  id text PRIMARY KEY,
  bank_id text NOT NULL REFERENCES banks (id),
  type text NOT NULL,
  operation_id text NOT NULL,
  payload text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The delivery log: one row per (webhook, event), updated by the delivery activity on every attempt.
CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  webhook_id text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  event_id text NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
  attempts integer NOT NULL DEFAULT 0,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  last_status_code integer,
  last_error text,
  next_attempt_at timestamptz,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, seq DESC);
