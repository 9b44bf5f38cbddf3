import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalize } from '../../src/models/provider.js';
import { embeddingBits } from '../../src/store/embedding-bits.js';
import { migrate } from '../../src/store/migrate.js';
import {
  type FakeProvider,
  fakeEmbedding,
  providerEnv,
  startFakeProvider,
} from '../support/fake-model-provider.js';
import { http, waitForOperation } from '../support/http.js';
import { openTestDatabase, startService, type TestService, uniqueBank } from '../support/service.js';

const FILLERS = 3_000;

let provider: FakeProvider;
let svc: TestService;
beforeAll(async () => {
  provider = await startFakeProvider({ latencyMs: [5, 20] });
  svc = await startService({ env: providerEnv(provider) });
});
afterAll(async () => {
  await svc?.stop();
  await provider?.close();
});

/** Sentences of made-up words, none of which means "cat" to the fake embedding model. */
function fillers(count: number): string[] {
  const catDimension = fakeEmbedding('cat').findIndex((x) => x > 0);
  const words: string[] = [];
  for (let i = 0; words.length < 400; i++) {
    const word = `w${i.toString(36)}x`.replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!);
    if (fakeEmbedding(word)[catDimension] === 0) words.push(word);
  }
  return Array.from({ length: count }, (_, i) =>
    Array.from({ length: 2 + (i % 7) }, (_, k) => words[(i * 31 + k * 17) % words.length]).join(' '),
  );
}

async function storeWithEmbeddings(bank: string, texts: string[]) {
  const rows = texts.map((text, i) => {
    const vector = normalize(fakeEmbedding(text));
    return {
      id: `${bank}-filler-${i}`,
      text,
      embedding: `{${vector.join(',')}}`,
      bits: embeddingBits(vector),
    };
  });
  await svc.db.query(
    `INSERT INTO memories (id, bank_id, item_index, fact_index, text, embedding, embedding_bits)
     SELECT r.id, $1, 0, 0, r.text, r.embedding::real[], r.bits::bit varying
     FROM jsonb_to_recordset($2::jsonb) AS r(id text, text text, embedding text, bits text)`,
    [bank, JSON.stringify(rows)],
  );
}

describe('recall by meaning in a large bank', () => {
  it('finds the memory nearest in meaning among thousands that share no concept with the query', async () => {
    const bank = uniqueBank('recall-large');
    const submitted = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories`, {
      items: [{ content: 'Omar adopted a kitten from the shelter.' }],
      async: true,
    });
    expect(submitted.status).toBe(202);
    const { operation } = await waitForOperation(svc.url, bank, submitted.body.operation_id);
    expect(operation.status).toBe('completed');
    await storeWithEmbeddings(bank, fillers(FILLERS));

    const found = await http(svc.url, 'POST', `/v1/default/banks/${bank}/memories/recall`, {
      query: 'feline',
      limit: 3,
    });
    expect(found.status).toBe(200);
    expect(found.body.results[0].text).toBe('Omar adopted a kitten from the shelter.');
    expect(found.body.results).toHaveLength(3);
  });
});

describe('upgrading a store whose memories were embedded before signatures existed', () => {
  it('computes the signatures of the embeddings already stored, once', async () => {
    const db = await openTestDatabase();
    try {
      await migrate(db);
      await db.query(`INSERT INTO banks (id) VALUES ('old')`);
      const vector = normalize(fakeEmbedding('Omar adopted a kitten'));
      await db.query(
        `INSERT INTO memories (id, bank_id, item_index, fact_index, text, embedding)
         VALUES ('old-1', 'old', 0, 0, 'Omar adopted a kitten', $1::real[])`,
        [`{${vector.join(',')}}`],
      );
      // The store as the previous version left it: embeddings, no signature column.
      await db.exec(`DROP INDEX memories_embedding_bits;
        ALTER TABLE memories DROP COLUMN embedding_bits;
        DELETE FROM schema_migrations WHERE name = '006_embedding_bits.sql';`);

      expect(await migrate(db)).toEqual(['006_embedding_bits.sql']);
      const [row] = await db.query<{ bits: string }>(
        `SELECT embedding_bits::text AS bits FROM memories WHERE id = 'old-1'`,
      );
      expect(row?.bits).toBe(embeddingBits(vector));
    } finally {
      await db.close();
    }
  });
});
