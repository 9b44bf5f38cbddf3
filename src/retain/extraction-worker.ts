/** Runs inside an extraction thread: documents in, their facts (or why not) out. */
import { parentPort } from 'node:worker_threads';
import { extractDocument } from '../domain/extract.js';
import type { ExtractionReply, ExtractionRequest } from './extraction-pool.js';

const port = parentPort;
if (!port) throw new Error('extraction-worker runs only as a worker thread');

port.on('message', ({ id, texts }: ExtractionRequest) => {
  const results = texts.map((text) => {
    try {
      return { facts: extractDocument(text).facts };
    } catch (error) {
      return { error: (error as Error).message };
    }
  });
  port.postMessage({ id, results } satisfies ExtractionReply);
});
