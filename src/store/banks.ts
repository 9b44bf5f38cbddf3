import type { Sql } from './db.js';

export interface Disposition {
  skepticism: number;
  literalism: number;
  empathy: number;
}

/** The middle of each 1–5 trait: what a bank that never set one reads back. */
export const DEFAULT_DISPOSITION: Disposition = { skepticism: 3, literalism: 3, empathy: 3 };

export interface BankProfile {
  bank_id: string;
  name: string;
  disposition: Disposition;
  mission: string;
  background: string | null;
}

export interface BankListItem {
  bank_id: string;
  name: string | null;
  disposition: Disposition;
  mission: string | null;
  created_at: string;
  updated_at: string;
  fact_count: number;
}

export interface BankRow {
  id: string;
  name: string | null;
  mission: string | null;
  background: string | null;
  disposition: Disposition | null;
  config: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

export interface ProfileChange {
  name?: string | undefined;
  mission?: string | undefined;
  background?: string | undefined;
  disposition?: Partial<Disposition> | undefined;
  config?: Record<string, unknown> | undefined;
}

export const toProfile = (r: BankRow): BankProfile => ({
  bank_id: r.id,
  name: r.name ?? r.id,
  disposition: { ...DEFAULT_DISPOSITION, ...r.disposition },
  mission: r.mission ?? '',
  background: r.background,
});

export async function getBankRow(sql: Sql, bankId: string): Promise<BankRow | undefined> {
  const rows = await sql.query<BankRow>('SELECT * FROM banks WHERE id = $1', [bankId]);
  return rows[0];
}

/**
 * Creates the bank when it is new and applies the fields given; fields left out keep their value. Disposition
 * traits and configuration keys are merged one by one, so a caller changing one keeps the others.
 */
export async function upsertBank(sql: Sql, bankId: string, change: ProfileChange): Promise<BankProfile> {
  const rows = await sql.query<BankRow>(
    `INSERT INTO banks AS b (id, name, mission, background, disposition, config)
     VALUES ($1, $2, $3, $4, $5::jsonb, coalesce($6::jsonb, '{}'))
     ON CONFLICT (id) DO UPDATE SET
       name = coalesce($2, b.name),
       mission = coalesce($3, b.mission),
       background = coalesce($4, b.background),
       disposition = CASE WHEN $5::jsonb IS NULL THEN b.disposition
                          ELSE coalesce(b.disposition, '{}') || $5::jsonb END,
       config = b.config || coalesce($6::jsonb, '{}'),
       updated_at = now()
     RETURNING *`,
    [
      bankId,
      change.name ?? null,
      change.mission ?? null,
      change.background ?? null,
      change.disposition ? JSON.stringify(change.disposition) : null,
      change.config ? JSON.stringify(change.config) : null,
    ],
  );
  return toProfile(rows[0] as BankRow);
}

/** Drops every override of a bank, its reflect mission and disposition included: it then reads the defaults. */
export async function resetBankConfig(sql: Sql, bankId: string): Promise<void> {
  await sql.query(
    `UPDATE banks SET config = '{}', mission = NULL, disposition = NULL, updated_at = now() WHERE id = $1`,
    [bankId],
  );
}

export async function listBanks(sql: Sql): Promise<BankListItem[]> {
  const rows = await sql.query<BankRow & { fact_count: number }>(
    `SELECT b.*, (SELECT count(*)::int FROM memories m WHERE m.bank_id = b.id) AS fact_count
     FROM banks b ORDER BY b.id`,
  );
  return rows.map((r) => ({
    bank_id: r.id,
    name: r.name,
    disposition: { ...DEFAULT_DISPOSITION, ...r.disposition },
    mission: r.mission,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    fact_count: r.fact_count,
  }));
}
