-- Webhooks registered with Hindsight's field names: `event_types` keeps the names the caller subscribed with
-- (null when it used `events`), `http_config` the custom timeout, headers and query parameters of a delivery.
ALTER TABLE webhooks ADD COLUMN event_types jsonb;
ALTER TABLE webhooks ADD COLUMN http_config jsonb NOT NULL DEFAULT '{}'::jsonb;
