import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/store/db.js';

let db: Database;
beforeAll(async () => {
  db = await openDatabase({ dataDir: undefined });
});
afterAll(() => db.close());

/** A transaction that holds the embedded store for about `ms` of CPU, as a write batch does. */
const busyTransaction = (ms: number, log: string[], name: string) =>
  db.transaction(async (tx) => {
    log.push(`${name} start`);
    await tx.query(`SELECT pg_sleep(${ms / 1000})`);
    log.push(`${name} end`);
  });

describe('turns on the embedded store', () => {
  it('serves a statement before transactions that were already waiting', async () => {
    const log: string[] = [];
    const first = busyTransaction(100, log, 'tx1');
    const second = busyTransaction(100, log, 'tx2');
    const read = db.query('SELECT 1').then(() => log.push('read'));
    await Promise.all([first, second, read]);
    expect(log).toEqual(['tx1 start', 'tx1 end', 'read', 'tx2 start', 'tx2 end']);
  });
});
