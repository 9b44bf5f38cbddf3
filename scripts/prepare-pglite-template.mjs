#!/usr/bin/env node
// PGlite's first open of an empty data directory runs initdb in WebAssembly (15-20 s). Doing it once at
// install time and keeping the result as a template makes the first `npm start` (and every test store)
// load a ready cluster in about a second. Lives under node_modules/.cache, so reinstalling refreshes it.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TEMPLATE_PATH = join(root, 'node_modules', '.cache', 'hindsight', 'pglite-template.tar.gz');

if (!existsSync(TEMPLATE_PATH)) {
  try {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite();
    await db.waitReady;
    const dump = await db.dumpDataDir('gzip');
    await db.close();
    mkdirSync(dirname(TEMPLATE_PATH), { recursive: true });
    writeFileSync(`${TEMPLATE_PATH}.part`, Buffer.from(await dump.arrayBuffer()));
    renameSync(`${TEMPLATE_PATH}.part`, TEMPLATE_PATH);
    console.log('[hindsight] embedded database template prepared');
  } catch (error) {
    console.warn(
      `[hindsight] no embedded database template (${error.message}); the first start will be slower`,
    );
  }
}
