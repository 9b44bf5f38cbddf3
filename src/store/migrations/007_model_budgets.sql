-- The deployment's model quotas (HINDSIGHT_MODEL_REQUESTS_PER_MINUTE, HINDSIGHT_MODEL_TOKENS_PER_MINUTE), one
-- bucket each, shared by every worker: `requests`, and `tokens:<model>` per model. Times are milliseconds of the
-- database's clock (one clock for every worker). `full_at` is when the bucket is full again once every
-- reservation so far is paid for: a reservation moves it later by its amount ÷ rate, a settled call by what
-- its estimate missed. `floor_at` is where the latest reservation left it: amounts given back never move
-- `full_at` before that, so no call starts before one already scheduled on the same quota.
CREATE TABLE model_budgets (
  name text PRIMARY KEY,
  full_at double precision NOT NULL,
  floor_at double precision NOT NULL
);
