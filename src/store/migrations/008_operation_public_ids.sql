-- Operation ids are the caller's within a bank: two banks may each have an operation "nightly-import". The row
-- keeps its global key `id`, which workflows, activities, staged items and memory ids use; `public_id` is the
-- id callers see when it differs from the key (an id a caller chose, whose key is "<bank>/<id>"). Rows without
-- it (every earlier row, and every id the service generated) are seen by their key, so nothing is rewritten
-- and running operations keep their ids.
ALTER TABLE operations ADD COLUMN public_id text;
CREATE UNIQUE INDEX operations_by_public_id ON operations (bank_id, (coalesce(public_id, id)));

-- What the request that created the operation asked for (a hash of its normalized body): the same id sent
-- again with other content is refused instead of answered with the first operation. Null for earlier rows.
ALTER TABLE operations ADD COLUMN request_fingerprint text;
