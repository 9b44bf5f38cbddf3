/** docs/BENCHMARKS.md and the tables printed at the end of a run. */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fmt, percentile, summarize, table } from './measure.js';
import type { CancelResult, Engine, EngineResults } from './results.js';
import {
  BURST,
  CANCEL_BATCH_DOCS,
  CANCEL_RUNS,
  COMMAND,
  defaults,
  LARGE_BANK_DOCS,
  mean,
  POLL_BATCH_DOCS,
  POLLERS,
  WARM_UP_DOCS,
} from './settings.js';

function machine(): [string, string][] {
  return [
    ['CPU', cpus()[0]?.model ?? 'unknown'],
    ['cores (`nproc`)', execFileSync('nproc', { encoding: 'utf8' }).trim()],
    ['memory', `${Math.round(totalmem() / 1024 ** 3)} GB`],
    ['Node.js', process.version],
    ['Temporal', 'dev server (`temporal server start-dev`, SQLite file, WAL) started by the bench'],
    ['PostgreSQL', "embedded: 17 from the service's own binaries; system: the Debian server CI installs"],
  ];
}

const ENGINE_NAME: Record<Engine, string> = {
  embedded: 'embedded PostgreSQL',
  postgres: 'system PostgreSQL',
};
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
const docsPerSecond = (docs: number, ms: number) => docs / (ms / 1000);

function pollerTable(results: EngineResults[]): string {
  return table(
    [
      'store',
      'clients polling',
      'batch (created → completed)',
      'docs/s',
      '÷ no clients',
      'answers',
      'not 200',
    ],
    results.flatMap((r) => {
      const alone = r.pollers.find((p) => p.clients === 0);
      return r.pollers.map((p) => {
        const answers = Object.values(p.latencies).reduce((n, l) => n + l.length, 0);
        return [
          ENGINE_NAME[r.engine],
          String(p.clients),
          p.status === 'completed' ? fmt.ms(p.ms) : p.status,
          fmt.rate(docsPerSecond(p.docs, p.ms)),
          alone ? fmt.ratio(alone.ms / p.ms) : '–',
          String(answers),
          String(Object.values(p.notOk).reduce((a, b) => a + b, 0)),
        ];
      });
    }),
  );
}

function readTable(results: EngineResults[]): string {
  return table(
    ['store', 'request', 'n', 'p50', 'p99', 'max', 'p99 ÷ health p99'],
    results.flatMap((r) => {
      const busiest = r.pollers[r.pollers.length - 1];
      if (!busiest) return [];
      const health = percentile(busiest.latencies.health, 99);
      const label = { get: 'GET operation (running)', list: 'GET operations (list)', health: 'GET /health' };
      return (['get', 'list', 'health'] as const).map((kind) => {
        const s = summarize(busiest.latencies[kind]);
        return [
          ENGINE_NAME[r.engine],
          label[kind],
          String(s.n),
          fmt.ms(s.p50),
          fmt.ms(s.p99),
          fmt.ms(s.max),
          fmt.ratio(s.p99 / health),
        ];
      });
    }),
  );
}

function largeBankTable(results: EngineResults[]): string {
  return table(
    [
      'store',
      'memories',
      'follow-ups (run time, progress/total)',
      'workflow tasks',
      'longest',
      'TMPRL1104',
      'restart → healthy',
    ],
    results
      .filter((r) => r.large)
      .map((r) => {
        const l = r.large!;
        return [
          ENGINE_NAME[r.engine],
          l.memories.toLocaleString('en'),
          l.followUps.map((f) => `${f.type} ${f.status} ${fmt.ms(f.ms)} ${f.progress}/${f.total}`).join('; '),
          String(l.workflowTasks),
          fmt.ms(l.maxWorkflowTaskMs),
          String(l.slowTaskWarnings),
          fmt.ms(l.restartToHealthyMs),
        ];
      }),
  );
}

function targetsTable(results: EngineResults[], cancels: CancelResult): string {
  const cancel = summarize(cancels.samples);
  const rows: string[][] = [];
  for (const r of results) {
    const name = ENGINE_NAME[r.engine];
    const alone = r.pollers.find((p) => p.clients === 0);
    for (const p of r.pollers.filter((p) => p.clients > 0)) {
      const ratio = alone ? alone.ms / p.ms : Number.NaN;
      rows.push([
        `${name}: throughput with ${p.clients} clients polling ÷ none ≥ 0.8`,
        fmt.ratio(ratio),
        verdict(ratio >= 0.8),
      ]);
    }
    const busiest = r.pollers[r.pollers.length - 1];
    if (busiest) {
      const health = percentile(busiest.latencies.health, 99);
      const read =
        Math.max(percentile(busiest.latencies.get, 99), percentile(busiest.latencies.list, 99)) / health;
      rows.push([
        `${name}: GET/list p99 ≤ 3 × health p99 under ${busiest.clients} clients`,
        fmt.ratio(read),
        verdict(read <= 3),
      ]);
    }
    if (r.burst) {
      rows.push([
        `${name}: ${r.burst.submits} concurrent submits, 202 p99 ≤ 1 s`,
        fmt.ms(r.burst.p99),
        verdict(r.burst.p99 <= 1000),
      ]);
    }
    const at10k = r.runs.find((run) => run.docs === 10_000);
    if (at10k) {
      const overhead = at10k.temporalMs / mean(at10k.directMs);
      const rate = docsPerSecond(at10k.docs, at10k.temporalMs);
      rows.push([
        `${name}: orchestration overhead at 10,000 docs ≤ 1.1`,
        fmt.ratio(overhead),
        verdict(overhead <= 1.1),
      ]);
      rows.push([
        `${name}: throughput at 10,000 docs ≥ 247 docs/s (the earlier in-process store's)`,
        fmt.rate(rate),
        verdict(rate >= 247),
      ]);
    }
    const first = r.runs[0];
    if (first) {
      rows.push([
        `${name}: service process idle ≤ 300 MB`,
        fmt.mb(first.rss.idle),
        verdict(first.rss.idle <= 300),
      ]);
    }
    const at100k = r.runs.find((run) => run.docs === 100_000);
    if (at100k && first) {
      const growth = at100k.rss.runPeak / first.rss.idle;
      rows.push([
        `${name}: peak while running 100,000 docs ≤ 1.5 × idle`,
        fmt.ratio(growth),
        verdict(growth <= 1.5),
      ]);
    }
    if (r.large) {
      rows.push([
        `${name}: no workflow task over 1 s around ${r.large.memories.toLocaleString('en')} memories`,
        fmt.ms(r.large.maxWorkflowTaskMs),
        verdict(r.large.maxWorkflowTaskMs <= 1000 && r.large.slowTaskWarnings === 0),
      ]);
      rows.push([
        `${name}: restart → healthy on that bank ≤ 5 s`,
        fmt.ms(r.large.restartToHealthyMs),
        verdict(r.large.restartToHealthyMs <= 5000),
      ]);
    }
  }
  rows.push([
    'cancel → `cancelled` p99 < 1 s',
    fmt.ms(cancel.p99),
    verdict(cancel.p99 < 1000 && cancels.completedInstead === 0),
  ]);
  return table(['target', 'measured', ''], rows);
}

export function render(r: {
  results: EngineResults[];
  cancels: CancelResult;
  profileSummary: string | undefined;
  startedAt: Date;
  loadBefore: string;
  loadAfter: string;
}) {
  const runs = r.results.flatMap((e) => e.runs);
  const retainTable = table(
    [
      'store',
      'docs',
      'service (HTTP→completed)',
      'direct (before / after)',
      'ratio',
      'submit (202)',
      'to running',
      'docs/s service',
      'docs/s direct',
      'memories',
    ],
    runs.map((run) => [
      ENGINE_NAME[run.engine],
      run.docs.toLocaleString('en'),
      fmt.ms(run.temporalMs),
      run.directMs.map(fmt.ms).join(' / '),
      fmt.ratio(run.temporalMs / mean(run.directMs)),
      fmt.ms(run.submitMs),
      fmt.ms(run.startedMs),
      fmt.rate(docsPerSecond(run.docs, run.temporalMs)),
      fmt.rate(docsPerSecond(run.docs, mean(run.directMs))),
      run.memories.temporal === run.memories.direct
        ? run.memories.temporal.toLocaleString('en')
        : `${run.memories.temporal} ≠ ${run.memories.direct}`,
    ]),
  );
  const deadlockNotes = runs
    .filter((run) => run.deadlocks && run.deadlocks.service + run.deadlocks.direct > 0)
    .map(
      (run) =>
        `- ${ENGINE_NAME[run.engine]}, ${run.docs.toLocaleString('en')} docs: ${run.deadlocks!.service} deadlocks in the service's ` +
        `database (each fails a chunk activity, retried after at least 1 s), ${run.deadlocks!.direct} in the ` +
        'direct runs (the transaction retried at once).',
    );
  const cpuTable = table(
    ['store', 'docs', 'CPU service process', 'CPU Temporal server', 'CPU direct', 'service ÷ direct'],
    runs.map((run) => [
      ENGINE_NAME[run.engine],
      run.docs.toLocaleString('en'),
      `${run.cpu.service.toFixed(1)} s`,
      Number.isNaN(run.cpu.devServer) ? '–' : `${run.cpu.devServer.toFixed(1)} s`,
      `${run.cpu.direct.toFixed(1)} s`,
      fmt.ratio(run.cpu.service / run.cpu.direct),
    ]),
  );
  const rssTable = table(
    [
      'store',
      'docs',
      'service idle',
      'peak during submit',
      'peak while running',
      'at completion',
      'PostgreSQL server idle / peak',
    ],
    runs.map((run) => [
      ENGINE_NAME[run.engine],
      run.docs.toLocaleString('en'),
      fmt.mb(run.rss.idle),
      fmt.mb(run.rss.submitPeak),
      fmt.mb(run.rss.runPeak),
      fmt.mb(run.rss.end),
      Number.isNaN(run.storeMb.idle)
        ? '– (a system server)'
        : `${fmt.mb(run.storeMb.idle)} / ${fmt.mb(run.storeMb.runPeak)}`,
    ]),
  );
  const cancel = summarize(r.cancels.samples);
  const cancelTable = table(
    ['runs', 'cancelled', 'completed before the cancel took effect', 'p50', 'p99', 'max'],
    [
      [
        String(cancel.n + r.cancels.completedInstead),
        String(cancel.n),
        String(r.cancels.completedInstead),
        fmt.ms(cancel.p50),
        fmt.ms(cancel.p99),
        fmt.ms(cancel.max),
      ],
    ],
  );
  const burstTable = table(
    ['store', 'submits at once', 'documents each', '202 p50', '202 p99', 'max', 'all answered after'],
    r.results
      .filter((e) => e.burst)
      .map((e) => [
        ENGINE_NAME[e.engine],
        String(e.burst!.submits),
        String(e.burst!.docsEach),
        fmt.ms(e.burst!.p50),
        fmt.ms(e.burst!.p99),
        fmt.ms(e.burst!.max),
        fmt.ms(e.burst!.wallMs),
      ]),
  );
  const targets = targetsTable(r.results, r.cancels);

  const tables = [
    '## Batch retain: service (HTTP + Temporal) against the same pipeline called directly',
    retainTable,
    deadlockNotes.length ? `\n${deadlockNotes.join('\n')}` : '',
    '',
    '## CPU seconds spent on each batch retain',
    cpuTable,
    '',
    '## Memory: the service process (RSS) and the embedded PostgreSQL server (PSS of all its processes)',
    rssTable,
    '',
    `## Batch throughput while clients poll back to back (${POLL_BATCH_DOCS.toLocaleString('en')} documents)`,
    pollerTable(r.results),
    '',
    `## Read latency under ${POLLERS[POLLERS.length - 1]} polling clients, measured during that batch`,
    readTable(r.results),
    '',
    `## ${BURST.submits} async submits of ${BURST.docsEach} documents at once`,
    burstTable,
    '',
    '## A bank of about 50,000 memories: its follow-ups, their workflow tasks, and a restart',
    largeBankTable(r.results),
    '',
    '## Cancel request on a running batch until it reads `cancelled`',
    cancelTable,
    '',
    '## Targets',
    targets,
  ].join('\n');

  const document = `# Benchmarks

Generated by \`${COMMAND}\` on ${r.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC. Every ratio below
compares two figures measured one after the other in the same run, so the machine's load affects both.
Load average (1, 5, 15 min) at the start: ${r.loadBefore}; at the end: ${r.loadAfter}.

| machine | |
| --- | --- |
${machine()
  .map(([k, v]) => `| ${k} | ${v} |`)
  .join('\n')}

${tables}
${r.profileSummary ? `\n## CPU profile of the service process (10,000 documents, embedded PostgreSQL)\n\n${r.profileSummary}\n` : ''}
## Method

- **Documents**: \`bench/corpus.ts\` builds about 1 KB of English per document from templates naming people,
  places, organisations and dates, with a seeded generator: the same documents on every run.
- **Service**: \`node --import tsx src/main.ts all\` (API and worker in one process, default chunk size
  ${defaults.chunkSize}, window ${defaults.chunkConcurrency}, ${defaults.extractionThreads} extraction thread(s)) in a child
  process, against a Temporal dev server the bench starts, with a fresh store per size: on the embedded engine
  the service starts its own PostgreSQL server in a new data directory (as \`npm start\` does); on the system
  engine it gets a new database on the Debian server (\`DATABASE_URL\`). Log level \`warn\`. \`HINDSIGHT_MAX_BODY_BYTES\` is raised to 256 MB so 100,000 documents fit in one request.
- **Service time**: from sending \`POST /memories\` with \`"async": true\` to the operation's \`completed_at\`
  (written by the store; the bench reads the list every 500 ms to see it — the list asks the workflow nothing,
  unlike \`GET\` of a running operation, so watching adds no load). \`submit (202)\` is the part spent
  before the answer: body parse, validation and staging the documents; \`to running\` is until \`started_at\`
  (workflow start, bank queue, \`markRunning\`).
- **Direct**: \`bench/direct.ts\`, in the bench process against a fresh database on a server of the same
  PostgreSQL build (for the embedded engine, one the bench starts from the same binaries): the
  same store calls in the same sizes and order — the operation row and documents in one transaction, then the
  documents in chunks of ${defaults.chunkSize} through a window of ${defaults.chunkConcurrency}, each chunk in
  write batches of 25 (\`prepareItems\`, \`writeMemories\`, \`markProcessed\` in one transaction), then the final
  bookkeeping (result, documents dropped) — with no HTTP, Temporal or heartbeats, and as many extraction threads
  as the service. It runs once before the service run and, up to 10,000 documents, once after, each time in a fresh store; **ratio** is the service time
  over the mean of the direct runs, so a change in the machine's load during the run shows as a gap between the
  two direct figures rather than as a skewed ratio.
- **Warm-up**: the service and every direct store first retain the same ${WARM_UP_DOCS} documents (same JIT
  warmth, same store contents).
- **Follow-ups**: a completed retain queues \`graph_update\` and \`regenerate_observations\`; the bench cancels
  them (\`DELETE\`) as soon as the retain reads \`completed\`, before the next direct run, so they take no CPU
  from the next measurement (${runs.reduce((n, run) => n + run.followUpsCancelled, 0)} cancelled in this run),
  except in the large bank, where they run to their end.
- **CPU**: user + system seconds from \`/proc/<pid>/stat\` for the service process and the Temporal server over the
  service run, and \`process.cpuUsage()\` of the bench process over a direct run. A PostgreSQL server's own
  CPU is in neither.
- **Polling clients**: a batch of ${POLL_BATCH_DOCS.toLocaleString('en')} documents runs with ${POLLERS.join(', ')}
  clients sending requests back to back, each cycling through \`GET\` of the operation, the list
  (\`limit=20\`) and \`GET /health\` (which runs \`SELECT 1\` and asks Temporal for system info). The batch's
  time is from its \`created_at\` to its \`completed_at\`; **÷ no clients** is the time with none over the time
  with that many, so 1.00× means the readers cost the batch nothing. The read latencies are those of the
  busiest run, taken while the batch ran under them.
- **Submits at once**: ${BURST.submits} clients each send \`POST /memories\` (async, ${BURST.docsEach} documents) at the same
  moment, spread over 10 banks; the latency is each one's 202. What they queued is cancelled afterwards.
- **Large bank**: ${LARGE_BANK_DOCS.toLocaleString('en')} documents retained into one bank, then its
  \`graph_update\` and \`regenerate_observations\` run to their end. The workflow task durations (started →
  completed) come from the histories of those two workflows and the bank's queue; TMPRL1104 counts the worker's
  own warnings of tasks over 5 s. Then the service is stopped (SIGTERM) and started again on the same data:
  **restart → healthy** is from spawning the process to the first \`/health\` 200.
- **Cancel**: ${CANCEL_RUNS} batches of ${CANCEL_BATCH_DOCS} documents; once one is running with progress above 0, the
  time from sending \`DELETE\` until the operation reads \`cancelled\` (the \`DELETE\` answer itself, which waits up
  to 3 s for the end, or else the next \`GET\`).
- **Memory**: the service process's \`VmRSS\` every 250 ms; \`idle\` is just before the submit, the submit peak
  includes the request body being parsed, the running peak is from the 202 to \`completed\`. The embedded
  PostgreSQL server is reported beside it as the PSS of its processes (shared buffers count once).
- System PostgreSQL rows run when \`BENCH_DATABASE_URL\` or \`DATABASE_URL\` is set, or when
  \`scripts/start-postgres.sh\` can start a local server. \`--large\` (or \`BENCH_LARGE=1\`) adds 100,000 documents
  on the embedded engine; \`--profile\` runs the 10,000-document service under \`--cpu-prof\` (slower).
- A client holding connections (1,000 event streams, 100 bodies sent a byte at a time) beside a batch:
  docs/BENCHMARKS-LIMITS.md, \`npm run bench:limits\`.
- 1,000 clients waiting on one batch with \`GET …/operations/{id}?wait=60s\`: docs/BENCHMARKS-WAIT.md,
  \`npm run bench:wait\`.
`;
  return { tables, document };
}
