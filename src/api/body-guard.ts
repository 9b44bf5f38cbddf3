import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { errorBody } from './errors.js';

export interface BodyGuardOptions {
  /** The whole body must have arrived this long after the request started. */
  timeoutMs: number;
  /** Over each window, the body must arrive at least this fast (0: no minimum). */
  minBytesPerSecond: number;
  /** Left unread when the answer is sent (a 413, a 401): read and discarded for at most this long... */
  lingerMs: number;
  /** ...and at most this many bytes, then the connection is closed. */
  lingerBytes: number;
}

/** A body still arriving after its answer is discarded for this long at most... */
export const LINGER_MS = 10_000;
/** ...and no longer than this without a byte arriving... */
export const LINGER_IDLE_MS = 2_000;
/** ...and up to this many bytes (or the body limit, when that is larger). */
export const LINGER_BYTES = 64 * 1024 * 1024;

/** How often the pace of a body is checked; the minimum rate holds over each such window. */
export const BODY_RATE_WINDOW_MS = 10_000;

const hasBody = (req: IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/**
 * Bounds what a request body may cost at the Node server, before any route sees it: a body that trickles in
 * (slower than the minimum rate over a window) or takes longer than the timeout is answered 408 and its
 * connection closed. A body still arriving when its answer has gone out (a 413 for a body over the limit)
 * is read and discarded for a short while, so the client finishes writing and reads that answer instead of
 * meeting a reset connection.
 */
export function guardRequestBodies(server: Server, options: BodyGuardOptions): void {
  // Node's own bound on a whole request stays as a backstop just past ours.
  server.requestTimeout = options.timeoutMs + BODY_RATE_WINDOW_MS;
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!hasBody(req)) return;
    watchBody(req, res, options);
    res.once('finish', () => {
      if (!req.complete && !req.destroyed) linger(req, options);
    });
  });
}

function watchBody(req: IncomingMessage, res: ServerResponse, options: BodyGuardOptions): void {
  const socket = req.socket;
  let lastBytes = socket.bytesRead;
  const stop = () => {
    clearTimeout(deadline);
    clearInterval(pace);
  };
  const cutOff = (message: string) => {
    stop();
    if (!res.headersSent && !res.destroyed) {
      const body = JSON.stringify(errorBody('request_timeout', message));
      res.writeHead(408, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        connection: 'close',
      });
      res.end(body, () => socket.destroy());
    } else {
      socket.destroy();
    }
  };
  const deadline = setTimeout(
    () =>
      cutOff(
        `the request body did not arrive within ${options.timeoutMs / 1000} s: send it faster, or split ` +
          'the batch into several smaller requests',
      ),
    options.timeoutMs,
  );
  const pace = setInterval(() => {
    const bytes = socket.bytesRead;
    const rate = ((bytes - lastBytes) * 1000) / BODY_RATE_WINDOW_MS;
    lastBytes = bytes;
    if (options.minBytesPerSecond > 0 && rate < options.minBytesPerSecond) {
      cutOff(
        `the request body arrived at ${Math.round(rate)} bytes/s over ${BODY_RATE_WINDOW_MS / 1000} s, ` +
          `below the minimum of ${options.minBytesPerSecond} bytes/s: send it without pausing`,
      );
    }
  }, BODY_RATE_WINDOW_MS);
  deadline.unref();
  pace.unref();
  req.once('end', stop);
  req.once('close', stop);
  res.once('finish', stop); // answered: what is left of the body is the linger's to bound
  res.once('close', stop);
}

function linger(req: IncomingMessage, options: BodyGuardOptions): void {
  let discarded = 0;
  const close = () => {
    clearTimeout(timer);
    clearTimeout(idle);
    req.socket.destroy();
  };
  const timer = setTimeout(close, options.lingerMs);
  // A client that stopped sending once it had the answer leaves nothing to wait for.
  const idle = setTimeout(close, LINGER_IDLE_MS);
  timer.unref();
  idle.unref();
  // The answer is out: nobody needs the body any more, and a reader that stopped pulling (a web stream the
  // route gave up on) would otherwise keep it paused.
  req.removeAllListeners('data');
  req.removeAllListeners('readable');
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    idle.refresh();
    if (discarded > options.lingerBytes) close();
  });
  const done = () => {
    clearTimeout(timer);
    clearTimeout(idle);
  };
  req.once('end', done);
  req.once('close', done);
  req.resume();
}
