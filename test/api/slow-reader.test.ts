import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionLimiter } from '../../src/api/connection-limits.js';
import type { OperationUpdate } from '../../src/api/operation-watch.js';
import { serveStream } from '../../src/api/routes/events.js';
import { createLogger } from '../../src/logger.js';
import type { OperationView } from '../../src/operations/types.js';

// An operation's state is a few hundred bytes, so a real service would need hours of events to fill the
// kernel's socket buffers; here the stream is served over a real socket with a state of 64 KiB a tick.
const BOUND = 128 * 1024;
const limiter = new ConnectionLimiter({
  what: 'event streams',
  total: 10,
  perClient: 10,
  retryAfterSeconds: 5,
});
let server: Server;
let port: number;
let dropped: Promise<number>;

const state = (progress: number): OperationView => ({
  operation_id: 'op-slow-reader',
  bank_id: 'bank',
  type: 'batch_retain',
  status: 'running',
  progress,
  total: 1_000_000,
  created_at: new Date(0).toISOString(),
  started_at: null,
  completed_at: null,
  error: null,
  result: { padding: 'x'.repeat(64 * 1024) },
  retry_of: null,
  retries: [],
  metadata: {},
  follow_up: false,
  triggered_by: null,
});

beforeAll(async () => {
  let onDrop!: (buffered: number) => void;
  dropped = new Promise((resolve) => {
    onDrop = resolve;
  });
  server = createServer((_req, res) => {
    let buffered = 0;
    let progress = 0;
    res.on('close', () => onDrop(buffered));
    serveStream(res, {
      first: state(progress),
      resumeAfter: undefined,
      subscribe: (listener: (update: OperationUpdate) => void) => {
        const tick = setInterval(() => {
          buffered = res.writableLength;
          const operation = state(++progress);
          listener({ operation, data: JSON.stringify(operation) });
        }, 5);
        return () => clearInterval(tick);
      },
      lease: limiter.acquire('address:test'),
      heartbeatMs: 15_000,
      maxBufferBytes: BOUND,
      logger: createLogger('silent'),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('an event stream whose client stops reading', () => {
  it('is dropped once what waits to be sent to it passes the bound, and gives its place back', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /events HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: text/event-stream\r\n\r\n');
    socket.pause(); // reads nothing: the kernel's buffers fill, then the server's
    const buffered = await dropped;
    // Dropped past the bound, and no later than one more event past it.
    expect(buffered).toBeGreaterThan(BOUND);
    expect(buffered).toBeLessThan(BOUND + 2 * 70 * 1024);
    expect(limiter.openCount).toBe(0);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.resume(); // what was sent before the drop, then the end of the connection
    await closed;
    socket.destroy();
  }, 60_000);
});
