-- The batch retain whose completion queued a follow-up (graph_update, regenerate_observations), shown as the
-- operation's `triggered_by`; null for operations a caller started and for follow-ups of synchronous retains.
ALTER TABLE operations ADD COLUMN triggered_by text;

-- The operation types a webhook is told about; null: every type.
ALTER TABLE webhooks ADD COLUMN operation_types jsonb;
