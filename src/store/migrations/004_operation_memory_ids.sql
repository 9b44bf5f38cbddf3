-- A large retain's memory ids (megabytes at 100,000 documents) live beside the result, not in it: list pages
-- read only the counts, and never load the ids.
ALTER TABLE operations ADD COLUMN memory_ids jsonb;
UPDATE operations SET memory_ids = result -> 'memory_ids', result = result - 'memory_ids' WHERE result ? 'memory_ids';
