-- Recall by meaning without a vector extension: each embedding's random-projection signature (see
-- src/store/embedding-bits.ts). Recall ranks a bank by the Hamming distance of signatures to the query's with an
-- index-only scan of the narrow index below, then ranks the nearest few hundred exactly. Signatures of
-- embeddings stored before this migration are computed by migrate.ts right after it.
ALTER TABLE memories ADD COLUMN embedding_bits bit varying;

CREATE INDEX memories_embedding_bits ON memories (bank_id) INCLUDE (id, embedding_bits)
  WHERE embedding_bits IS NOT NULL;
