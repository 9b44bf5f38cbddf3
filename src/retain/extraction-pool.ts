import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { Extraction } from './extract-one.js';

export interface ExtractionRequest {
  id: number;
  texts: string[];
}

export interface ExtractionReply {
  id: number;
  results: Extraction[];
}

const THREAD_ENTRY = new URL('./extraction-thread.mjs', import.meta.url);

interface Lane {
  worker: Worker;
  pending: Map<number, { resolve: (r: Extraction[]) => void; reject: (e: Error) => void }>;
}

/**
 * Fact extraction (the NLP tagger: about half of a retain's CPU) on worker threads, so it runs beside the
 * store's writes instead of between them and never holds up the event loop. Threads start on first use and
 * keep the process alive only while they have work. With no threads, documents are extracted on the event
 * loop, yielding between them.
 */
export class ExtractionPool {
  private readonly lanes: (Lane | undefined)[];
  private nextId = 0;
  private closed = false;

  constructor(threads: number) {
    this.lanes = Array.from({ length: threads }, () => undefined);
  }

  /** An aborted `signal` rejects at once: the caller stops without waiting for the thread's queue. */
  async extract(texts: string[], signal?: AbortSignal): Promise<Extraction[]> {
    if (this.closed) throw new Error('the extraction pool is closed');
    signal?.throwIfAborted();
    if (this.lanes.length === 0) return extractHere(texts, signal);
    const lane = this.leastBusyLane();
    const id = this.nextId++;
    return new Promise<Extraction[]>((resolve, reject) => {
      const onAbort = () => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => signal?.removeEventListener('abort', onAbort);
      if (lane.pending.size === 0) lane.worker.ref();
      lane.pending.set(id, {
        resolve: (results) => {
          done();
          resolve(results);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      lane.worker.postMessage({ id, texts } satisfies ExtractionRequest);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.map((lane) => lane?.worker.terminate()));
  }

  private leastBusyLane(): Lane {
    let best = 0;
    for (let i = 0; i < this.lanes.length; i++) {
      const load = this.lanes[i]?.pending.size ?? 0;
      if (load < (this.lanes[best]?.pending.size ?? 0)) best = i;
    }
    const lane = this.lanes[best] ?? this.startLane(best);
    this.lanes[best] = lane;
    return lane;
  }

  private startLane(index: number): Lane {
    const worker = new Worker(THREAD_ENTRY, { name: `extraction-${index}` });
    const lane: Lane = { worker, pending: new Map() };
    worker.on('message', ({ id, results }: ExtractionReply) => {
      const waiting = lane.pending.get(id);
      lane.pending.delete(id);
      if (lane.pending.size === 0) lane.worker.unref();
      waiting?.resolve(results);
    });
    // A thread that dies fails what it held (the activity retries it) and is replaced on next use.
    const fail = (error: Error) => {
      if (this.lanes[index] === lane) this.lanes[index] = undefined;
      for (const { reject } of lane.pending.values()) reject(error);
      lane.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`extraction thread exited with code ${code}`)));
    // Held open only while it has work (after the listeners, which would otherwise hold it open again).
    worker.unref();
    return lane;
  }
}

async function extractHere(texts: string[], signal?: AbortSignal): Promise<Extraction[]> {
  const { extractOne } = await import('./extract-one.js');
  const results: Extraction[] = [];
  for (const text of texts) {
    await nextTurn();
    signal?.throwIfAborted();
    results.push(extractOne(text));
  }
  return results;
}
