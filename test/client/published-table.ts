import { readFileSync } from 'node:fs';

/** One row of docs/API.md's table of the published clients' methods. */
export interface PublishedRow {
  typescript: string | null;
  python: string | null;
  http: string;
  /** `served`, `501`, or `served by <branch>` (not on this branch yet). */
  here: string;
}

const TABLE = /<!-- published-clients-table:start -->([\s\S]*?)<!-- published-clients-table:end -->/;
const cell = (text: string) => {
  const t = text.trim().replace(/`/g, '');
  return t === '—' ? null : t;
};

/** The table the suites of both published clients are driven from: what it says is what they expect. */
export function publishedClientTable(): PublishedRow[] {
  const doc = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');
  const body = TABLE.exec(doc)?.[1];
  if (!body) throw new Error('docs/API.md has no published-clients table');
  return body
    .split('\n')
    .filter((line) => line.startsWith('|') && !line.startsWith('| ---') && !line.startsWith('| TypeScript'))
    .map((line) => {
      const [ts, py, http, , here] = line.split('|').slice(1, -1);
      return { typescript: cell(ts!), python: cell(py!), http: cell(http!)!, here: cell(here!)! };
    });
}
