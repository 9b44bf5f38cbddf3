import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { restartablePort } from '../support/faults.js';
import { http } from '../support/http.js';
import { PostgresServer } from '../support/postgres-server.js';
import { startService, type TestService, uniqueBank } from '../support/service.js';

// A store whose disk fills up during submits: the tables live in a tablespace on a 4 MB file system of their
// own, on a PostgreSQL server of this suite's own (a real ENOSPC needs a small disk, and mounting one needs
// root). Its own server makes the PostgreSQL leg add nothing, so the suite runs once.

const postgresUid = (() => {
  try {
    return execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
})();
const runnable =
  process.getuid?.() === 0 && postgresUid !== undefined && !process.env.HINDSIGHT_TEST_DATABASE_URL;

let disk: string;
let mounted = false;
let server: PostgresServer | undefined;
let api: TestService | undefined;

beforeAll(async () => {
  if (!runnable) return;
  disk = mkdtempSync(join(tmpdir(), 'hindsight-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=4m,uid=${postgresUid},mode=0700`, 'tmpfs', disk]);
  mounted = true;
  server = await PostgresServer.start(await restartablePort());
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE TABLESPACE small_disk LOCATION '${join(disk, 'tablespace')}'`).catch(async () => {
    // The directory must exist and belong to the server's user.
    execFileSync('runuser', ['-u', 'postgres', '--', 'mkdir', join(disk, 'tablespace')]);
    await admin.query(`CREATE TABLESPACE small_disk LOCATION '${join(disk, 'tablespace')}'`);
  });
  await admin.query('ALTER DATABASE hindsight SET default_tablespace = small_disk');
  await admin.end();
  // No worker: the submits alone fill the disk.
  api = await startService({
    worker: false,
    db: Object.assign(openDatabase(server.url), { url: server.url }),
  });
}, 180_000);

afterAll(async () => {
  await api?.stop();
  await api?.db.close();
  await server?.remove();
  if (mounted) execFileSync('umount', ['-l', disk]);
  if (disk) rmSync(disk, { recursive: true, force: true });
});

describe.skipIf(!runnable)('a store whose disk fills up', () => {
  it('answers 503 saying so, changes nothing, keeps /health honest, and recovers when space is freed', async () => {
    const bank = uniqueBank('full');
    // Text that does not compress: it takes the room it says.
    const big = (n: number) =>
      Array.from({ length: 40 }, (_, i) => ({
        content: `Document ${n}.${i} ${randomBytes(15_000).toString('base64')}`,
      }));
    // A file that takes most of the room left, deleted later to free it.
    const filler = join(disk, 'filler');
    writeFileSync(filler, Buffer.alloc(2_500_000));

    let accepted = 0;
    let refused: { status: number; body: any } | undefined;
    for (let n = 0; n < 50 && !refused; n++) {
      const res = await http(api!.url, 'POST', `/v1/default/banks/${bank}/memories`, {
        async: true,
        items: big(n),
      });
      if (res.status === 202) accepted++;
      else refused = res;
    }
    expect(refused?.status, JSON.stringify(refused?.body)).toBe(503);
    expect(refused!.body.error.message).toMatch(/out of disk space/);
    const list = await http(api!.url, 'GET', `/v1/default/banks/${bank}/operations`);
    expect(list.body.total).toBe(accepted); // the refused submit left nothing behind

    const health = await http(api!.url, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.parts.database).toMatchObject({
      status: 'unavailable',
      error: expect.stringMatching(/disk space/),
    });

    rmSync(filler);
    const healthy = await http(api!.url, 'GET', '/health');
    expect(healthy.status, JSON.stringify(healthy.body)).toBe(200);
    const again = await http(api!.url, 'POST', `/v1/default/banks/${bank}/memories`, {
      async: true,
      items: [{ content: 'Alice moved to Paris.' }],
    });
    expect(again.status).toBe(202);
  });
});
