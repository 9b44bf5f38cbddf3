import { parseEventStream, type ServerSentEvent } from '../../clients/typescript/src/sse.js';

export interface ReceivedEvent extends ServerSentEvent {
  at: number;
  operation: Record<string, any>;
}

/** Opens an event stream over real HTTP; `next()` yields events until the server closes the stream. */
export async function openEventStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const iterator =
    response.ok && response.body
      ? parseEventStream(response.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]()
      : undefined;
  return {
    response,
    async next(): Promise<ReceivedEvent | undefined> {
      if (!iterator) return undefined;
      for (;;) {
        const { done, value } = await iterator.next();
        if (done) return undefined;
        if (value.event !== 'operation') continue;
        return { ...value, at: Date.now(), operation: JSON.parse(value.data) };
      }
    },
    close: () => controller.abort(),
  };
}

export async function readAll(stream: Awaited<ReturnType<typeof openEventStream>>): Promise<ReceivedEvent[]> {
  const events: ReceivedEvent[] = [];
  for (;;) {
    const event = await stream.next();
    if (!event) return events;
    events.push(event);
  }
}
