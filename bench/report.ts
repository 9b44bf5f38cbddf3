/** docs/BENCHMARKS.md and the tables printed at the end of a run. */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fmt, percentile, summarize, table } from './measure.js';
import type { CancelResult, LoadResult, RetainRun } from './results.js';
import {
  CANCEL_BATCH_DOCS,
  CANCEL_RUNS,
  CLIENTS,
  COMMAND,
  defaults,
  LOAD_BATCH_DOCS,
  LOAD_WINDOW_MS,
  mean,
  WARM_UP_DOCS,
} from './settings.js';

function machine(): [string, string][] {
  return [
    ['CPU', cpus()[0]?.model ?? 'unknown'],
    ['cores (`nproc`)', execFileSync('nproc', { encoding: 'utf8' }).trim()],
    ['memory', `${Math.round(totalmem() / 1024 ** 3)} GB`],
    ['Node.js', process.version],
    ['Temporal', 'dev server (`temporal server start-dev`, SQLite file, WAL) started by the bench'],
  ];
}

export function render(r: {
  runs: RetainRun[];
  load: LoadResult | undefined;
  cancels: CancelResult;
  profileSummary: string | undefined;
  startedAt: Date;
  loadBefore: string;
  loadAfter: string;
}) {
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
    r.runs.map((run) => [
      run.engine,
      run.docs.toLocaleString('en'),
      fmt.ms(run.temporalMs),
      run.directMs.map(fmt.ms).join(' / '),
      fmt.ratio(run.temporalMs / mean(run.directMs)),
      fmt.ms(run.submitMs),
      fmt.ms(run.startedMs),
      fmt.rate(run.docs / (run.temporalMs / 1000)),
      fmt.rate(run.docs / (mean(run.directMs) / 1000)),
      run.memories.temporal === run.memories.direct
        ? run.memories.temporal.toLocaleString('en')
        : `${run.memories.temporal} ≠ ${run.memories.direct}`,
    ]),
  );
  const deadlockNotes = r.runs
    .filter((run) => run.deadlocks && run.deadlocks.service + run.deadlocks.direct > 0)
    .map(
      (run) =>
        `- PostgreSQL, ${run.docs.toLocaleString('en')} docs: ${run.deadlocks!.service} deadlocks in the service's ` +
        `database (each fails a chunk activity, retried after at least 1 s), ${run.deadlocks!.direct} in the ` +
        'direct runs (the transaction retried at once): concurrent chunks insert shared entities in different orders.',
    );
  const cpuTable = table(
    ['store', 'docs', 'CPU service process', 'CPU Temporal server', 'CPU direct', 'service ÷ direct'],
    r.runs.map((run) => [
      run.engine,
      run.docs.toLocaleString('en'),
      `${run.cpu.service.toFixed(1)} s`,
      Number.isNaN(run.cpu.devServer) ? '–' : `${run.cpu.devServer.toFixed(1)} s`,
      `${run.cpu.direct.toFixed(1)} s`,
      fmt.ratio(run.cpu.service / run.cpu.direct),
    ]),
  );
  const rssTable = table(
    ['store', 'docs', 'idle before submit', 'peak during submit', 'peak while running', 'at completion'],
    r.runs.map((run) => [
      run.engine,
      run.docs.toLocaleString('en'),
      fmt.mb(run.rss.idle),
      fmt.mb(run.rss.submitPeak),
      fmt.mb(run.rss.runPeak),
      fmt.mb(run.rss.end),
    ]),
  );
  const health = r.load ? percentile(r.load.kinds.health, 99) : Number.NaN;
  const loadTable = r.load
    ? table(
        ['request', 'n', 'not 200', 'p50', 'p99', 'max', 'p99 ÷ health p99'],
        (['get', 'list', 'health'] as const).map((kind) => {
          const s = summarize(r.load!.kinds[kind]);
          const label = {
            get: 'GET operation (running)',
            list: 'GET operations (list)',
            health: 'GET /health',
          }[kind];
          return [
            label,
            String(s.n),
            String(r.load!.notOk[kind]),
            fmt.ms(s.p50),
            fmt.ms(s.p99),
            fmt.ms(s.max),
            fmt.ratio(s.p99 / health),
          ];
        }),
      )
    : '(not measured)';
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

  const pglite = r.runs.filter((run) => run.engine === 'pglite');
  const at10k = pglite.find((run) => run.docs === 10_000);
  const overhead = at10k ? at10k.temporalMs / mean(at10k.directMs) : Number.NaN;
  const readRatio = r.load
    ? Math.max(percentile(r.load.kinds.get, 99), percentile(r.load.kinds.list, 99)) / health
    : Number.NaN;
  const smallest = pglite[0];
  const largest = pglite[pglite.length - 1];
  const rssGrowth = smallest && largest ? largest.rss.runPeak / smallest.rss.runPeak : Number.NaN;
  const cpuOverhead = at10k
    ? (at10k.cpu.service + (at10k.cpu.devServer || 0)) / at10k.cpu.direct
    : Number.NaN;
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const targets = table(
    ['target', 'measured', ''],
    [
      ['orchestration overhead at 10,000 docs (PGlite) ≤ 1.2', fmt.ratio(overhead), verdict(overhead <= 1.2)],
      [
        'the same in CPU seconds: (service + Temporal server) ÷ direct',
        fmt.ratio(cpuOverhead),
        verdict(cpuOverhead <= 1.2),
      ],
      ['GET/list p99 ≤ 3 × health p99 under 50 clients', fmt.ratio(readRatio), verdict(readRatio <= 3)],
      [
        'cancel → `cancelled` p99 < 1 s',
        fmt.ms(cancel.p99),
        verdict(cancel.p99 < 1000 && r.cancels.completedInstead === 0),
      ],
      [
        `RSS flat: peak while running, ${largest?.docs.toLocaleString('en')} ÷ ${smallest?.docs.toLocaleString('en')} docs`,
        fmt.ratio(rssGrowth),
        verdict(rssGrowth <= 1.5),
      ],
    ],
  );

  const tables = [
    '## Batch retain: service (HTTP + Temporal) against the same pipeline called directly',
    retainTable,
    deadlockNotes.length ? `\n${deadlockNotes.join('\n')}` : '',
    '',
    '## CPU seconds spent on each batch retain',
    cpuTable,
    '',
    '## Resident memory of the service process',
    rssTable,
    '',
    `## Read latency: ${CLIENTS} concurrent clients on loopback while a batch runs${
      r.load
        ? ` (GET saw it ${Object.entries(r.load.statusesSeen)
            .map(([status, n]) => `${status} ×${n}`)
            .join(', ')})`
        : ''
    }`,
    loadTable,
    r.load
      ? `\nRequests sent for ${LOAD_WINDOW_MS / 1000} s; the last answer came ${fmt.s(r.load.windowMs)} after the first request.`
      : '',
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
${r.profileSummary ? `\n## CPU profile of the service process (10,000 documents, PGlite)\n\n${r.profileSummary}\n` : ''}
## Method

- **Documents**: \`bench/corpus.ts\` builds about 1 KB of English per document from templates naming people,
  places, organisations and dates, with a seeded generator: the same documents on every run.
- **Service**: \`node --import tsx src/main.ts all\` (API and worker in one process, default chunk size
  ${defaults.chunkSize}, window ${defaults.chunkConcurrency}, ${defaults.extractionThreads} extraction thread(s)) in a child
  process, against a Temporal dev server the bench starts, with a fresh store per size (a new PGlite directory, or a new PostgreSQL database), log level
  \`warn\`. \`HINDSIGHT_MAX_BODY_BYTES\` is raised to 256 MB so 100,000 documents fit in one request.
- **Service time**: from sending \`POST /memories\` with \`"async": true\` to the operation's \`completed_at\`
  (written by the store; the bench reads the list every 500 ms to see it — the list asks the workflow nothing,
  unlike \`GET\` of a running operation, so watching adds no load). \`submit (202)\` is the part spent
  before the answer: body parse, validation and staging the documents; \`to running\` is until \`started_at\`
  (workflow start, bank queue, \`markRunning\`).
- **Direct**: \`bench/direct.ts\`, in the bench process against its own fresh store of the same engine: the
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
  from the next measurement (${r.runs.reduce((n, run) => n + run.followUpsCancelled, 0)} cancelled in this run).
  They are not part of any figure here.
- **CPU**: user + system seconds from \`/proc/<pid>/stat\` for the service process and the Temporal server over the
  service run, and \`process.cpuUsage()\` of the bench process over a direct run. A PostgreSQL server's own
  CPU is in neither.
- **Read latency**: a batch of ${LOAD_BATCH_DOCS.toLocaleString('en')} documents is started; once it runs,
  ${CLIENTS} clients send requests back to back for ${LOAD_WINDOW_MS / 1000} s, each cycling through \`GET\` of the
  running operation (its row, and Temporal's server asked whether the workflow still runs), the list (\`limit=20\`)
  and \`GET /health\` (which itself runs \`SELECT 1\` and asks Temporal for system info). Then the batch is cancelled.
- **Cancel**: ${CANCEL_RUNS} batches of ${CANCEL_BATCH_DOCS} documents; once one is running with progress above 0, the
  time from sending \`DELETE\` until the operation reads \`cancelled\` (the \`DELETE\` answer itself, which waits up
  to 3 s for the end, or else the next \`GET\`).
- **Memory**: the service process's \`VmRSS\` every 250 ms; \`idle\` is just before the submit, the submit peak
  includes the request body being parsed, the running peak is from the 202 to \`completed\`.
- PostgreSQL rows run when \`BENCH_DATABASE_URL\` or \`DATABASE_URL\` is set, or when
  \`scripts/start-postgres.sh\` can start a local server. \`--large\` (or \`BENCH_LARGE=1\`) adds 100,000 documents
  on PGlite and 10,000 on PostgreSQL; \`--profile\` runs the 10,000-document service under \`--cpu-prof\` (slower).
`;
  return { tables, document };
}
