import type { BankBody } from '../api/bank-schemas.js';
import { DEFAULT_DISPOSITION, type Disposition, type ProfileChange } from '../store/banks.js';

// The published clients reach one bank setting by two names: the profile's `mission` is the configuration's
// `reflect_mission`, and its `disposition` is `disposition_skepticism` / `_literalism` / `_empathy`. The store
// keeps one copy (the profile's columns); the configuration view is built from it.

const PROFILE_KEYS = new Set(['name', 'mission', 'background', 'disposition']);
const TRAITS = ['skepticism', 'literalism', 'empathy'] as const;

/** The settings a bank has when it set none. */
export const DEFAULT_CONFIG: Record<string, unknown> = {
  reflect_mission: '',
  retain_mission: null,
  observations_mission: null,
  enable_observations: true,
  enable_text_search: true,
  enable_temporal_retrieval: false,
  enable_graph_retrieval: true,
  enable_reranking: false,
  disposition_skepticism: DEFAULT_DISPOSITION.skepticism,
  disposition_literalism: DEFAULT_DISPOSITION.literalism,
  disposition_empathy: DEFAULT_DISPOSITION.empathy,
};

/** A create/update body or a config update as one change to the store; absent and null fields change nothing. */
export function profileChange(body: BankBody | Record<string, unknown>): ProfileChange {
  const b = body as Record<string, unknown>;
  const disposition: Partial<Disposition> = { ...(b.disposition as Disposition | undefined) };
  for (const trait of TRAITS) {
    const value = b[`disposition_${trait}`];
    if (typeof value === 'number') disposition[trait] = value;
  }
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(b)) {
    if (value === null || value === undefined || PROFILE_KEYS.has(key)) continue;
    if (key === 'reflect_mission' || key.startsWith('disposition_')) continue;
    config[key] = value;
  }
  const mission = (b.reflect_mission ?? b.mission) as string | null | undefined;
  return {
    name: (b.name as string | null | undefined) ?? undefined,
    mission: mission ?? undefined,
    background: (b.background as string | null | undefined) ?? undefined,
    disposition: Object.keys(disposition).length ? disposition : undefined,
    config: Object.keys(config).length ? config : undefined,
  };
}

export interface StoredBank {
  id: string;
  mission: string | null;
  disposition: Partial<Disposition> | null;
  config: Record<string, unknown>;
}

/** `{ bank_id, config, overrides }`: the settings in force and those the bank set itself. */
export function configView(bank: StoredBank) {
  const overrides: Record<string, unknown> = { ...bank.config };
  if (bank.mission !== null) overrides.reflect_mission = bank.mission;
  for (const trait of TRAITS) {
    const value = bank.disposition?.[trait];
    if (value !== undefined) overrides[`disposition_${trait}`] = value;
  }
  return { bank_id: bank.id, config: { ...DEFAULT_CONFIG, ...overrides }, overrides };
}
