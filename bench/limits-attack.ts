/**
 * The hostile client of `npm run bench:limits`, in a process of its own that the bench starts at a lower
 * priority than the service: on a machine with few cores the attacking clients would otherwise compete with
 * the service for them, and the figures would measure the bench as much as the service. Started with the
 * service's URL and the running batch's events path; on the message 'stop' it winds down, sends what the
 * server answered ({@link AttackReport}) and exits.
 */

import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { sleep } from './measure.js';

export const STREAM_ATTEMPTERS = 1_000;
export const SLOW_BODIES = 100;

export interface AttackReport {
  streamCounts: Record<string, number>;
  bodyStatuses: Record<string, number>;
  /** How long each slow body lasted before the server ended it, ms. */
  closes: number[];
}

/** One attacker: opens a stream on the operation, holds it while it lasts, re-attempts after Retry-After. */
function streamAttempter(url: string, path: string, counts: Record<string, number>, active: () => boolean) {
  return (async () => {
    while (active()) {
      const outcome = await new Promise<{ status: number; retryAfter: number }>((resolve) => {
        const req = httpRequest(`${url}${path}`, { headers: { accept: 'text/event-stream' }, agent: false });
        req.on('response', (res) => {
          const retryAfter = Number(res.headers['retry-after'] ?? 1);
          // A stream that ends without the terminal state was dropped by the server.
          let tail = '';
          res.on('data', (d: Buffer) => {
            tail = (tail + d.toString('utf8')).slice(-200_000);
          });
          const ended = () =>
            resolve({
              status:
                res.statusCode === 200 && !tail.includes('"status":"completed"') ? -1 : (res.statusCode ?? 0),
              retryAfter,
            });
          res.on('end', ended);
          res.on('error', ended);
        });
        req.on('error', () => resolve({ status: 0, retryAfter: 1 }));
        req.end();
      });
      counts[outcome.status] = (counts[outcome.status] ?? 0) + 1;
      if (outcome.status === 200) return; // the operation ended
      if (outcome.status === -1) continue; // dropped: open another at once
      await sleep(outcome.retryAfter * 1000);
    }
  })();
}

/** One trickler: a body one byte every 500 ms; counts how the server ended it and how long it took. */
function slowBody(url: string, closes: number[], statuses: Record<string, number>, active: () => boolean) {
  const { port } = new URL(url);
  return (async () => {
    while (active()) {
      const started = Date.now();
      const status = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        let head = '';
        let timer: NodeJS.Timeout | undefined;
        socket.on('data', (d) => {
          head += d.toString('utf8');
        });
        socket.on('error', () => undefined);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 'closed');
        });
        socket.write(
          'POST /v1/default/banks/bench-slow/memories HTTP/1.1\r\nhost: 127.0.0.1\r\n' +
            'content-type: application/json\r\ncontent-length: 1000000\r\n\r\n',
        );
        const drip = () => {
          if (!active()) return socket.destroy();
          socket.write(' ');
          timer = setTimeout(drip, 500);
        };
        drip();
      });
      if (!active()) return;
      statuses[status] = (statuses[status] ?? 0) + 1;
      closes.push(Date.now() - started);
    }
  })();
}

async function attack(url: string, path: string): Promise<void> {
  const report: AttackReport = { streamCounts: {}, bodyStatuses: {}, closes: [] };
  let attacking = true;
  const active = () => attacking;
  const clients = [
    ...Array.from({ length: STREAM_ATTEMPTERS }, () =>
      streamAttempter(url, path, report.streamCounts, active),
    ),
    ...Array.from({ length: SLOW_BODIES }, () => slowBody(url, report.closes, report.bodyStatuses, active)),
  ];
  process.once('message', async () => {
    attacking = false;
    await Promise.all(clients);
    process.send!(report, () => process.exit(0));
  });
}

const [url, path] = process.argv.slice(2);
if (url && path && process.send) void attack(url, path);
