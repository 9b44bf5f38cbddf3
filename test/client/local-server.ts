import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalServer {
  url: string;
  /** Method and path of every request, in arrival order. */
  requests: string[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that answers with the given handler; for misbehaving-server cases. */
export async function localServer(
  handler: (req: IncomingMessage, res: ServerResponse, index: number) => void | Promise<void>,
): Promise<LocalServer> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const index = requests.push(`${req.method} ${req.url}`) - 1;
    Promise.resolve(handler(req, res, index)).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function operationJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    operation_id: 'op-local',
    bank_id: 'bank-local',
    type: 'batch_retain',
    status: 'running',
    progress: 1,
    total: 3,
    created_at: '2024-03-15T10:00:00Z',
    started_at: '2024-03-15T10:00:05Z',
    completed_at: null,
    error: null,
    result: null,
    ...overrides,
  };
}
