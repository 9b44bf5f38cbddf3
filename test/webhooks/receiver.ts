import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedDelivery {
  /** The request's path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
  at: number;
}

/**
 * A real webhook receiver on 127.0.0.1. `failFirst` attempts of each event id are answered 500, the rest 200,
 * like a receiver that is down for a while.
 */
export async function startReceiver(failFirst = 0) {
  const received: ReceivedDelivery[] = [];
  const attempts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      const answered = n <= failFirst ? 500 : 200;
      received.push({ path: req.url ?? '', headers: req.headers, body, answered, at: Date.now() });
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(answered === 200 ? 'ok' : 'down');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hooks/hindsight`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
