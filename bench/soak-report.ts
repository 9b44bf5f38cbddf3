/** The soak's report: pass/fail lines against the targets, a row a minute, and a chart of RSS and p99. */
import { fmt, percentile, table } from './measure.js';

export interface Minute {
  minute: number;
  serviceRssMb: number;
  heapUsedMb: number;
  eventLoopLagP99Ms: number;
  temporalRssMb: number;
  postgresPssMb: number;
  /** The p99's histogram bound; the SDK's largest is 1 s, so 1 s reads "1 s or more". */
  workflowTaskP99Ms: number;
  workflowTaskMeanMs: number;
  /** Cumulative, over every process the soak started. */
  notFound: number;
  crashes: number;
  hotSubmitP99Ms: number;
  readP99Ms: number;
  hotSubmits: number;
  requests: number;
  loadAverage: string;
}

export interface SoakRun {
  minutes: number;
  startedAt: string;
  clients: { hot: number; coldClients: number; coldBanks: number; pollers: number };
  idleRssMb: number;
  samples: Minute[];
  crashes: { at: number; code: number | null; signal: string | null; output: string }[];
  hotBankOperations: number;
  burstMs: number[];
  cancelMs: number[];
  webhookDeliveries: number;
  totals: Record<string, number>;
  errors: Record<string, number>;
  loadAverageEnd: string;
}

const WARM_UP_MINUTES = 3;

/** RSS growth after warm-up: the median of the last three minutes against the median of minutes 3 to 5. */
export function rssGrowth(samples: Minute[]): number {
  const rss = samples.map((s) => s.serviceRssMb);
  if (rss.length < WARM_UP_MINUTES + 3) return Number.NaN;
  const base = percentile(rss.slice(WARM_UP_MINUTES - 1, WARM_UP_MINUTES + 2), 50);
  return percentile(rss.slice(-3), 50) / base - 1;
}

const verdict = (ok: boolean) => (ok ? 'pass' : 'FAIL');

export function renderSoak(run: SoakRun): { markdown: string; svg: string } {
  const growth = rssGrowth(run.samples);
  const burstP99 = percentile(run.burstMs, 99);
  const cancelP99 = percentile(run.cancelMs, 99);
  const notFound = run.samples.at(-1)?.notFound ?? 0;
  const lines = [
    ['crashes of the service', `${run.crashes.length}`, '0', verdict(run.crashes.length === 0)],
    [
      'operations through the hot bank',
      `${run.hotBankOperations}`,
      '1,000+ in 30 min',
      verdict(run.hotBankOperations >= Math.min(1_000, (1_000 * run.minutes) / 30)),
    ],
    ['"Workflow task not found" warnings', `${notFound}`, 'none expected', verdict(notFound === 0)],
    [
      `${run.burstMs.length} burst submits (200 at once, 20 banks), 202 p99`,
      fmt.ms(burstP99),
      '≤ 1 s',
      verdict(burstP99 <= 1_000),
    ],
    [
      `cancel of a running batch → reads cancelled, ${run.cancelMs.length} runs, p99`,
      fmt.ms(cancelP99),
      '< 500 ms',
      verdict(cancelP99 < 500),
    ],
    ['service RSS idle after start-up', fmt.mb(run.idleRssMb), '≤ 300 MB', verdict(run.idleRssMb <= 300)],
    [
      'service RSS growth after warm-up',
      Number.isNaN(growth) ? '–' : `${(growth * 100).toFixed(1)} %`,
      '≤ 10 %',
      verdict(growth <= 0.1),
    ],
  ];
  const rows = run.samples.map((s) => [
    String(s.minute),
    fmt.mb(s.serviceRssMb),
    fmt.mb(s.heapUsedMb),
    fmt.ms(s.eventLoopLagP99Ms),
    fmt.mb(s.temporalRssMb),
    fmt.mb(s.postgresPssMb),
    s.workflowTaskP99Ms >= 1_000 ? '≥ 1 s' : fmt.ms(s.workflowTaskP99Ms),
    fmt.ms(s.workflowTaskMeanMs),
    String(s.notFound),
    String(s.crashes),
    fmt.ms(s.hotSubmitP99Ms),
    fmt.ms(s.readP99Ms),
    String(s.hotSubmits),
    String(s.requests),
    s.loadAverage,
  ]);
  const markdown = [
    '# Soak',
    '',
    `\`npm run soak -- --minutes ${run.minutes}\`, started ${run.startedAt}: the service as \`npm start\` runs it`,
    '(API and worker in one process, embedded Temporal dev server and PostgreSQL), on loopback, with',
    `${run.clients.hot} clients submitting small batches into one hot bank and watching each end, ` +
      `${run.clients.coldClients} submitting into ${run.clients.coldBanks} cold banks,`,
    `${run.clients.pollers} clients reading back to back, 4 following Server-Sent Events, 2 retaining`,
    'synchronously, a graph update and an observation regeneration every 30 s, a cancel of a running',
    '2,000-document batch every 20 s, a burst of 200 submits every 5 minutes, and a webhook on the hot bank',
    `(${run.webhookDeliveries} deliveries received). Load average at the end: ${run.loadAverageEnd}.`,
    '',
    '![service RSS and read p99 a minute](soak.svg)',
    '',
    table(['figure', 'measured', 'target', ''], lines),
    '',
    table(
      [
        'min',
        'service RSS',
        'heap',
        'lag p99',
        'Temporal PSS',
        'PostgreSQL PSS',
        'workflow task p99',
        'workflow task mean',
        'not found',
        'crashes',
        'hot submit p99',
        'read p99',
        'hot submits',
        'requests',
        'load',
      ],
      rows,
    ),
    '',
    `Requests: ${JSON.stringify(run.totals)}. Errors: ${JSON.stringify(run.errors)}.`,
    '',
    ...run.crashes.flatMap((c) => [
      `Crash at ${fmt.s(c.at)} (exit ${c.code ?? c.signal}):`,
      '',
      '```',
      c.output.trim(),
      '```',
      '',
    ]),
  ].join('\n');
  return { markdown, svg: chart(run.samples) };
}

/** Two polylines over the minutes: the service's RSS (MB, left axis) and the read p99 (ms, right axis). */
function chart(samples: Minute[]): string {
  const w = 720;
  const h = 300;
  const pad = { left: 60, right: 60, top: 30, bottom: 40 };
  const n = Math.max(2, samples.length);
  const x = (i: number) => pad.left + (i / (n - 1)) * (w - pad.left - pad.right);
  const finite = (v: number[]) => v.filter(Number.isFinite);
  const rssMax = Math.max(100, ...finite(samples.map((s) => s.serviceRssMb))) * 1.1;
  const p99Max = Math.max(100, ...finite(samples.map((s) => s.readP99Ms))) * 1.1;
  const y = (v: number, max: number) => h - pad.bottom - (v / max) * (h - pad.top - pad.bottom);
  const line = (values: number[], max: number, colour: string) =>
    `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${values
      .map((v, i) => (Number.isFinite(v) ? `${x(i).toFixed(1)},${y(v, max).toFixed(1)}` : ''))
      .filter(Boolean)
      .join(' ')}"/>`;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="11">`,
    "<title>Soak: the service's RSS and the read p99, a minute each</title>",
    `<rect width="${w}" height="${h}" fill="white"/>`,
    ...ticks.map(
      (t) =>
        `<line x1="${pad.left}" x2="${w - pad.right}" y1="${y(t * rssMax, rssMax)}" y2="${y(t * rssMax, rssMax)}" stroke="#ddd"/>` +
        `<text x="${pad.left - 6}" y="${y(t * rssMax, rssMax) + 4}" text-anchor="end" fill="#1f77b4">${Math.round(t * rssMax)}</text>` +
        `<text x="${w - pad.right + 6}" y="${y(t * p99Max, p99Max) + 4}" fill="#d62728">${Math.round(t * p99Max)}</text>`,
    ),
    line(
      samples.map((s) => s.serviceRssMb),
      rssMax,
      '#1f77b4',
    ),
    line(
      samples.map((s) => s.readP99Ms),
      p99Max,
      '#d62728',
    ),
    `<text x="${pad.left}" y="18" fill="#1f77b4">service RSS (MB)</text>`,
    `<text x="${w - pad.right}" y="18" text-anchor="end" fill="#d62728">read p99 (ms)</text>`,
    `<text x="${w / 2}" y="${h - 10}" text-anchor="middle">minute of the soak (1 to ${samples.length})</text>`,
    '</svg>',
    '',
  ].join('\n');
}
