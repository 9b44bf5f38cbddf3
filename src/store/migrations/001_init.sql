-- Memory banks are created on first use.
CREATE TABLE banks (
  id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per operation: the projection the API reads. Temporal owns the execution; this row owns what a
-- caller sees, updated in the same transactions as the work it describes.
CREATE TABLE operations (
  id text PRIMARY KEY,
  seq bigserial NOT NULL UNIQUE,
  bank_id text NOT NULL REFERENCES banks (id),
  type text NOT NULL CHECK (type IN ('batch_retain', 'regenerate_observations', 'graph_update')),
  status text NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  progress integer NOT NULL DEFAULT 0,
  total integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  started_at timestamptz,
  completed_at timestamptz,
  error text,
  result jsonb,
  params jsonb NOT NULL DEFAULT '{}',
  workflow_id text NOT NULL
);
CREATE INDEX operations_by_bank ON operations (bank_id, seq DESC);
CREATE INDEX operations_by_bank_status ON operations (bank_id, status, seq DESC);
-- Automatic follow-up work is deduplicated: at most one pending graph_update and one pending
-- regenerate_observations queued by retains per bank. Explicit requests keep their own parameters.
CREATE UNIQUE INDEX operations_one_pending_follow_up ON operations (bank_id, type)
  WHERE status = 'pending' AND params ->> 'follow_up' = 'true';

-- Claim check: the documents of an async retain wait here; workflows carry only ids and index ranges.
CREATE TABLE retain_items (
  operation_id text NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
  item_index integer NOT NULL,
  content text NOT NULL,
  context text,
  occurred_at timestamptz,
  document_id text,
  metadata jsonb,
  tags jsonb,
  processed boolean NOT NULL DEFAULT false,
  error text,
  PRIMARY KEY (operation_id, item_index)
);

CREATE TABLE memories (
  id text PRIMARY KEY,
  bank_id text NOT NULL REFERENCES banks (id),
  operation_id text,
  document_id text,
  item_index integer NOT NULL,
  fact_index integer NOT NULL,
  text text NOT NULL,
  context text,
  occurred_at timestamptz,
  metadata jsonb,
  tags jsonb,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  linked_at timestamptz,
  search tsvector GENERATED ALWAYS AS (to_tsvector('english', coalesce(context, '') || ' ' || text)) STORED
);
CREATE INDEX memories_by_bank ON memories (bank_id, created_at, id);
CREATE INDEX memories_by_operation ON memories (operation_id, item_index, fact_index);
CREATE INDEX memories_by_document ON memories (bank_id, document_id);
CREATE INDEX memories_unlinked ON memories (bank_id, id) WHERE linked_at IS NULL;
CREATE INDEX memories_search ON memories USING gin (search);

CREATE TABLE entities (
  id text PRIMARY KEY,
  bank_id text NOT NULL REFERENCES banks (id),
  name text NOT NULL,
  normalized text NOT NULL,
  kind text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX entities_by_bank ON entities (bank_id, id);

CREATE TABLE memory_entities (
  memory_id text NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
  entity_id text NOT NULL REFERENCES entities (id) ON DELETE CASCADE,
  PRIMARY KEY (memory_id, entity_id)
);
CREATE INDEX memory_entities_by_entity ON memory_entities (entity_id);

CREATE TABLE memory_links (
  memory_id text NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
  target_id text NOT NULL REFERENCES memories (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('entity', 'temporal', 'similarity')),
  weight double precision NOT NULL,
  PRIMARY KEY (memory_id, target_id, kind)
);
CREATE INDEX memory_links_by_target ON memory_links (target_id);

CREATE TABLE observations (
  entity_id text PRIMARY KEY REFERENCES entities (id) ON DELETE CASCADE,
  bank_id text NOT NULL REFERENCES banks (id),
  text text NOT NULL,
  memory_ids jsonb NOT NULL,
  operation_id text,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
