-- A bank's profile (name, missions, background, disposition) and its configuration overrides, as the published
-- clients read and write them. Banks created on first use keep nulls and read back the defaults.
ALTER TABLE banks
  ADD COLUMN name text,
  ADD COLUMN mission text,
  ADD COLUMN background text,
  ADD COLUMN disposition jsonb,
  ADD COLUMN config jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
