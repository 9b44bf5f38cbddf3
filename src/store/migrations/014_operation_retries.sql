-- A batch_retain started by POST …/operations/{id}/retry names the operation whose failed items it retains
-- again (its store key); that operation lists its retries from this column. Deleting the retried operation's
-- record leaves the retry, which then names nothing.
ALTER TABLE operations ADD COLUMN retry_of text REFERENCES operations (id) ON DELETE SET NULL;
CREATE INDEX operations_by_retry_of ON operations (retry_of) WHERE retry_of IS NOT NULL;
