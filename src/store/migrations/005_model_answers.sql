-- Answers of model calls, stored before the step that uses them: a retried or resumed step reads the answer
-- here instead of paying for the call again. `step` names the call within its operation (facts:<item>, …).
CREATE TABLE model_answers (
  operation_id text NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
  step text NOT NULL,
  answer jsonb,
  -- Set when the step gave up: the model's answers did not validate, however often it was asked.
  error text,
  invalid_answers integer NOT NULL DEFAULT 0,
  PRIMARY KEY (operation_id, step)
);

-- What model calls cost, per operation and model: every answered call counts, valid or not.
CREATE TABLE model_usage (
  operation_id text NOT NULL REFERENCES operations (id) ON DELETE CASCADE,
  model text NOT NULL,
  calls integer NOT NULL DEFAULT 0,
  prompt_tokens bigint NOT NULL DEFAULT 0,
  completion_tokens bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (operation_id, model)
);

-- A memory's embedding, unit length (portable: no vector extension needed; recall scans exactly).
ALTER TABLE memories ADD COLUMN embedding real[];
