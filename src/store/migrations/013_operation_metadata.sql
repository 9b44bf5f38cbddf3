-- Free-form string labels a caller attaches to an operation at submit (`metadata`), returned with it and
-- filtered on by containment (`metadata @> '{"customer":"x"}'`), which jsonb_path_ops indexes compactly.
ALTER TABLE operations ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}';
CREATE INDEX operations_by_metadata ON operations USING gin (metadata jsonb_path_ops);
