import { Hono } from 'hono';
import { configView, profileChange } from '../../banks/profile.js';
import { notFound } from '../../errors.js';
import { bankStats } from '../../store/bank-stats.js';
import {
  type BankProfile,
  DEFAULT_DISPOSITION,
  getBankRow,
  listBanks,
  resetBankConfig,
  toProfile,
  upsertBank,
} from '../../store/banks.js';
import { bankScope } from '../auth.js';
import { bankBody, configUpdateBody, dispositionBody } from '../bank-schemas.js';
import type { AppDeps } from '../deps.js';
import { bankParams } from '../schemas.js';
import { jsonBody, validate } from '../validate.js';

/** `GET /v1/default/banks`: every bank (those the API key may access), with its profile and memory count. */
export function bankListRoutes(deps: AppDeps) {
  return new Hono().get('/', async (c) => {
    const scope = bankScope.get(c.req.raw);
    const banks = await listBanks(deps.db);
    const visible = scope ? banks.filter((b) => scope.has(b.bank_id)) : banks;
    // One page holding every bank: the published clients read the page fields.
    return c.json({ banks: visible, total: visible.length, limit: visible.length, offset: 0 });
  });
}

/** A bank never written to reads as the defaults; reading it creates nothing. */
const defaultProfile = (bankId: string): BankProfile => ({
  bank_id: bankId,
  name: bankId,
  disposition: { ...DEFAULT_DISPOSITION },
  mission: '',
  background: null,
});

/** The bank itself: create or update, profile, disposition, configuration, statistics. */
export function bankRoutes(deps: AppDeps) {
  const existing = async (bankId: string) => {
    const row = await getBankRow(deps.db, bankId);
    if (!row) throw notFound(`bank ${bankId} not found: create it with PUT /v1/default/banks/${bankId}`);
    return row;
  };
  return new Hono()
    .put('/', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const body = validate(bankBody, await jsonBody(c.req), 'body');
      return c.json(await upsertBank(deps.db, bank_id, profileChange(body)));
    })
    .patch('/', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const body = validate(bankBody, await jsonBody(c.req), 'body');
      await existing(bank_id);
      return c.json(await upsertBank(deps.db, bank_id, profileChange(body)));
    })
    .get('/profile', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const row = await getBankRow(deps.db, bank_id);
      return c.json(row ? toProfile(row) : defaultProfile(bank_id));
    })
    .put('/profile', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const body = validate(dispositionBody, await jsonBody(c.req), 'body');
      return c.json(await upsertBank(deps.db, bank_id, { disposition: body.disposition }));
    })
    .get('/config', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const row = await getBankRow(deps.db, bank_id);
      return c.json(configView(row ?? { id: bank_id, mission: null, disposition: null, config: {} }));
    })
    .patch('/config', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      const body = validate(configUpdateBody, await jsonBody(c.req), 'body');
      await upsertBank(deps.db, bank_id, profileChange(body.updates));
      return c.json(configView(await existing(bank_id)));
    })
    .delete('/config', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      await resetBankConfig(deps.db, bank_id);
      const row = await getBankRow(deps.db, bank_id);
      return c.json(configView(row ?? { id: bank_id, mission: null, disposition: null, config: {} }));
    })
    .get('/stats', async (c) => {
      const { bank_id } = validate(bankParams, c.req.param(), 'path');
      return c.json(await bankStats(deps.db, bank_id));
    });
}
