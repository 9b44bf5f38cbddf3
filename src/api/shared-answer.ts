import type { Context } from 'hono';
import { encodeBody, pickEncoding } from './compress.js';

/** How long an encoded answer stays ready for the next request answered with the same JSON text. */
const SHARE_MS = 1_000;

type Encoding = ReturnType<typeof pickEncoding>;

/**
 * Encoded answers shared by the requests answered with one JSON text close together. A thousand clients
 * waiting on one batch hear of its end in the same tick, and each would otherwise compress the same answer
 * itself (for a large retain, 60 KB of memory ids: a second of CPU for the thousand, with every waiter queued
 * behind it). The text is the one object every waiter was handed, so looking it up costs one hash.
 */
export class SharedAnswers {
  private readonly answers = new Map<string, Map<Encoding, Promise<Encoded>>>();

  /** Answers `json` with 200 in the encoding the caller accepts, encoded once for all who share it. */
  async respond(c: Context, json: string): Promise<Response> {
    const { body, encoding } = await this.encoded(json, pickEncoding(c.req.header('accept-encoding')));
    if (encoding) {
      c.header('content-encoding', encoding);
      c.header('vary', 'accept-encoding');
    }
    return c.body(new Uint8Array(body), 200, { 'content-type': 'application/json' });
  }

  private encoded(json: string, encoding: Encoding): Promise<Encoded> {
    let byEncoding = this.answers.get(json);
    if (!byEncoding) {
      byEncoding = new Map();
      this.answers.set(json, byEncoding);
      setTimeout(() => this.answers.delete(json), SHARE_MS).unref();
    }
    let answer = byEncoding.get(encoding);
    if (!answer) {
      answer = encode(json, encoding);
      byEncoding.set(encoding, answer);
    }
    return answer;
  }
}

interface Encoded {
  body: Buffer;
  /** undefined: sent as it is (not asked for, or too small to be worth it). */
  encoding: Encoding;
}

async function encode(json: string, encoding: Encoding): Promise<Encoded> {
  const plain = Buffer.from(json);
  if (!encoding) return { body: plain, encoding };
  const body = await encodeBody(plain, encoding);
  return { body, encoding: body === plain ? undefined : encoding };
}
