/** What a bench run measures and how big, from its flags (`--large`, `--profile`, `--quick`). */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';

export const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const flag = (name: string) =>
  process.argv.includes(`--${name}`) || process.env[`BENCH_${name.toUpperCase()}`] === '1';
export const LARGE = flag('large');
export const PROFILE = flag('profile');
/** A smoke test of the bench itself: small sizes, short windows; its figures mean little. */
export const QUICK = flag('quick');
export const COMMAND = ['npm run bench', ...['large', 'profile', 'quick'].filter(flag).map((f) => `--${f}`)]
  .join(' ')
  .replace('bench --', 'bench -- --');

export const SIZES = {
  embedded: QUICK ? [200, 1_000] : LARGE ? [1_000, 10_000, 100_000] : [1_000, 10_000],
  postgres: QUICK ? [200] : [1_000, 10_000],
};
export const WARM_UP_DOCS = QUICK ? 50 : 200;
/** Clients polling back to back while a batch of POLL_BATCH_DOCS runs; the first run has none. */
export const POLLERS = [0, 20, 50];
export const POLL_BATCH_DOCS = QUICK ? 300 : 2_000;
export const BURST = { submits: QUICK ? 50 : 200, docsEach: 20 };
/** Documents that make a bank of about 50,000 memories (three facts a document, give or take). */
export const LARGE_BANK_DOCS = QUICK ? 500 : 16_500;
export const CANCEL_RUNS = QUICK ? 3 : 10;
export const CANCEL_BATCH_DOCS = 2_000;
// Bodies of 100,000 documents are over the default 64 MB request limit.
export const MAX_BODY_BYTES = String(256 * 1024 * 1024);

export const defaults = loadConfig({});
export const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
export const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
