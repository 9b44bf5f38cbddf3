import { connect } from 'node:net';

export interface RawAnswer {
  /** The status line's code, once the head of the answer arrived. */
  status: number | undefined;
  head: string;
  body: string;
  /** Milliseconds from connecting until the server closed the connection (end or reset). */
  closedAfterMs: number | undefined;
  /** A socket error the client met (ECONNRESET, EPIPE), if any. */
  error: string | undefined;
  /** Bytes of the body the client managed to write before it stopped. */
  written: number;
}

/**
 * A request written over a plain TCP socket, the body in `chunks` one every `everyMs`, while the answer is
 * read as it arrives: what a client on a slow link sees, including a reset that fetch would hide.
 */
export function rawRequest(
  base: string,
  options: { path: string; headers: Record<string, string | number>; chunks: Buffer[]; everyMs: number },
): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  const started = Date.now();
  const answer: RawAnswer = {
    status: undefined,
    head: '',
    body: '',
    closedAfterMs: undefined,
    error: undefined,
    written: 0,
  };
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (data) => {
      received += data.toString('utf8');
      const split = received.indexOf('\r\n\r\n');
      if (split >= 0) {
        answer.head = received.slice(0, split);
        answer.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer.head)?.[1]);
        answer.body = received.slice(split + 4);
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      answer.error ??= error.code ?? error.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      answer.closedAfterMs = Date.now() - started;
      resolve(answer);
    });
    socket.once('connect', () => {
      const head = Object.entries({ host: `${hostname}:${port}`, ...options.headers })
        .map(([name, value]) => `${name}: ${value}`)
        .join('\r\n');
      socket.write(`POST ${options.path} HTTP/1.1\r\n${head}\r\n\r\n`);
      let next = 0;
      const writeNext = () => {
        if (socket.destroyed) return;
        if (next >= options.chunks.length) {
          socket.end(); // all written: the server answers, then closes its side too
          return;
        }
        const chunk = options.chunks[next++]!;
        socket.write(chunk, (error) => {
          if (!error) answer.written += chunk.length;
        });
        timer = setTimeout(writeNext, options.everyMs);
      };
      writeNext();
    });
  });
}
