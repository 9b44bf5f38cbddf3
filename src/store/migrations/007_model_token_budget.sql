-- The deployment's token budget per model (HINDSIGHT_MODEL_TOKENS_PER_MINUTE), shared by every worker; times
-- are milliseconds of the database's clock (one clock for every worker). `full_at` is when the bucket is full
-- again once every reservation so far is paid for: a reservation moves it later by its tokens ÷ rate, a
-- finished call by what its estimate missed. `floor_at` is where the latest reservation left it: tokens given
-- back never move `full_at` before that, so no call starts before one already scheduled on the same tokens.
CREATE TABLE model_token_budget (
  model text PRIMARY KEY,
  full_at double precision NOT NULL,
  floor_at double precision NOT NULL
);
