import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/logger.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../test/support/ports.js';
import { makeDocuments } from './corpus.js';
import { cpuSeconds, ownCpuSeconds, treeCpuSeconds } from './measure.js';
import { cancelOpenOperations, submit, waitEnded } from './operations.js';
import { throughputUnderPollers } from './pollers.js';
import { childPid, startService } from './service.js';

const root = mkdtempSync(join(tmpdir(), 'pp-'));
chmodSync(root, 0o711);
const dev = await startDevServer({
  dbFilename: undefined,
  port: await freePort(),
  uiPort: undefined,
  namespace: 'default',
  cliPath: undefined,
  logger: createLogger('warn'),
});
const devPid = childPid('start-dev')!;
const service = await startService({
  temporalAddress: dev.address,
  dataDir: join(root, 's'),
  port: await freePort(),
  postgresPort: await freePort(),
  taskQueue: 'pp',
});
const w = await submit(service.url, 'warm', makeDocuments(200, 3));
await waitEnded(service.url, 'warm', w.operationId);
await cancelOpenOperations(service.url, 'warm');
for (const clients of (process.env.CLIENTS ?? '0,20').split(',').map(Number)) {
  const pg = service.postgresPid()!;
  const before = {
    svc: cpuSeconds(service.pid),
    dev: treeCpuSeconds(devPid),
    pg: treeCpuSeconds(pg),
    me: ownCpuSeconds(),
  };
  const t = performance.now();
  const run = await throughputUnderPollers(service, clients, 2000, `c${clients}`);
  const wall = (performance.now() - t) / 1000;
  console.log(
    JSON.stringify({
      clients,
      batchS: run.ms / 1000,
      wall: wall.toFixed(1),
      answers: Object.values(run.latencies).reduce((n, l) => n + l.length, 0),
      cpu: {
        service: (cpuSeconds(service.pid) - before.svc).toFixed(1),
        dev: (treeCpuSeconds(devPid) - before.dev).toFixed(1),
        pg: (treeCpuSeconds(pg) - before.pg).toFixed(1),
        bench: (ownCpuSeconds() - before.me).toFixed(1),
      },
    }),
  );
}
await service.stop();
await dev.stop();
process.exit(0);
