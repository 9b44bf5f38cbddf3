/**
 * Summarises the `.cpuprofile` files of a `node --cpu-prof` run: where each thread's time went (by part of
 * the system) and the functions with the most self time. `tsx bench/profile.ts <dir>` prints it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { table } from './measure.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Parts of the system, recognised by source URL; the first match wins. */
const PARTS: [string, RegExp][] = [
  ['extraction: compromise (NLP)', /node_modules\/compromise\//],
  ['extraction: src/domain', /\/src\/domain\//],
  ['store: pg driver', /node_modules\/(pg|pg-protocol|pg-pool)\//],
  ['store: src/store (SQL, JSON)', /\/src\/store\//],
  ['Temporal SDK', /@temporalio\//],
  ['HTTP API (Hono, zod, src/api)', /node_modules\/(hono|@hono|zod)\/|\/src\/api\//],
  ['logging (pino)', /node_modules\/pino/],
  ['retain pipeline glue (src/retain, activities)', /\/src\/retain\/|\/activities\//],
];
const SPECIAL = new Set(['(idle)', '(garbage collector)', '(program)']);

function partOf(node: ProfileNode): string | undefined {
  const { functionName, url } = node.callFrame;
  if (SPECIAL.has(functionName)) return functionName;
  return PARTS.find(([, pattern]) => pattern.test(url))?.[0];
}

function summarizeOne(profile: Profile): {
  totalMs: number;
  parts: Map<string, number>;
  top: [string, number][];
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // Self time of code that names no part (builtins, Node internals) counts for its nearest caller that does.
  const partMemo = new Map<number, string>();
  const resolvePart = (id: number): string => {
    const known = partMemo.get(id);
    if (known) return known;
    const node = byId.get(id)!;
    const up = parent.get(id);
    const part =
      partOf(node) ?? (up === undefined ? 'other (Node internals, bench-free glue)' : resolvePart(up));
    partMemo.set(id, part);
    return part;
  };
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  const parts = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalMs = 0;
  for (const [id, us] of selfUs) {
    const ms = us / 1000;
    totalMs += ms;
    const part = resolvePart(id);
    parts.set(part, (parts.get(part) ?? 0) + ms);
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (SPECIAL.has(functionName)) continue;
    const where = url
      ? `${url.replace(/^file:\/\/.*?\/(node_modules|src|activities|workflows)\//, '$1/')}:${lineNumber + 1}`
      : 'native';
    const key = `${functionName || '(anonymous)'} — ${where}`;
    functions.set(key, (functions.get(key) ?? 0) + ms);
  }
  const top = [...functions.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20);
  return { totalMs, parts, top };
}

export function summarizeProfiles(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const sections: string[] = [];
  for (const file of files) {
    const { totalMs, parts, top } = summarizeOne(
      JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile,
    );
    const busyMs = totalMs - (parts.get('(idle)') ?? 0);
    const pct = (ms: number, of: number) => `${((100 * ms) / of).toFixed(1)} %`;
    sections.push(
      `### ${file} — ${(totalMs / 1000).toFixed(1)} s profiled, ${(busyMs / 1000).toFixed(1)} s busy`,
      '',
      table(
        ['part', 'self time', 'of busy time'],
        [...parts.entries()]
          .filter(([part]) => part !== '(idle)')
          .sort((a, b) => b[1] - a[1])
          .map(([part, ms]) => [part, `${(ms / 1000).toFixed(1)} s`, pct(ms, busyMs)]),
      ),
      '',
      table(
        ['function (self time)', 'self time', 'of busy time'],
        top.map(([name, ms]) => [
          name.replaceAll('|', '\\|'),
          `${(ms / 1000).toFixed(2)} s`,
          pct(ms, busyMs),
        ]),
      ),
      '',
    );
  }
  return sections.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: tsx bench/profile.ts <directory of .cpuprofile files>');
    process.exit(2);
  }
  console.log(summarizeProfiles(dir));
}
