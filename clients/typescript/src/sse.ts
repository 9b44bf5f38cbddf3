/** One dispatched Server-Sent Event (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export interface ServerSentEvent {
  event: string;
  data: string;
  id: string | undefined;
  retry: number | undefined;
}

/**
 * Parses a `text/event-stream` body. Implemented by hand because Node 20 has no EventSource and
 * the client must also send headers (Authorization, Last-Event-ID) that EventSource cannot.
 */
export async function* parseEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  let retry: number | undefined;

  const dispatch = (): ServerSentEvent | undefined => {
    const ready =
      data.length > 0 ? { event: event || 'message', data: data.join('\n'), id, retry } : undefined;
    event = '';
    data = [];
    retry = undefined;
    return ready;
  };

  const takeLine = (line: string): ServerSentEvent | undefined => {
    if (line === '') return dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        event = value;
        break;
      case 'data':
        data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) retry = Number(value);
        break;
    }
    return undefined;
  };

  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer.slice(start));
      if (!match) break;
      const end = start + match.index;
      // A lone \r at the end of a chunk may be the first half of \r\n: wait for the next chunk.
      if (match[0] === '\r' && end + 1 === buffer.length) break;
      const ready = takeLine(buffer.slice(start, end));
      start = end + match[0].length;
      if (ready) yield ready;
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  // A stream may end on a bare \r that was held back above; anything after the last line break
  // is an incomplete event and, per the spec, dropped.
  const lines = buffer.split(/\r\n|\r|\n/);
  lines.pop();
  for (const line of lines) {
    const ready = takeLine(line);
    if (ready) yield ready;
  }
}
