-- Ended operations are removed after the retention period (HINDSIGHT_OPERATION_RETENTION). The sweep finds
-- them, oldest first, through this index, which holds only ended rows: its cost follows the expired rows, not
-- the running ones or the whole table.
CREATE INDEX operations_ended_by_completed_at ON operations (completed_at)
  WHERE status IN ('completed', 'failed', 'cancelled');

-- What is left of a removed operation: enough to answer GET of its id with "expired" instead of "not found".
-- `retention_ms` is the period it was kept, so the answer names the period that applied. Tombstones are
-- removed in turn once they are four retention periods old (see src/store/retention.ts).
CREATE TABLE expired_operations (
  bank_id text NOT NULL,
  public_id text NOT NULL,
  expired_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  retention_ms bigint NOT NULL,
  PRIMARY KEY (bank_id, public_id)
);
CREATE INDEX expired_operations_by_expired_at ON expired_operations (expired_at);
