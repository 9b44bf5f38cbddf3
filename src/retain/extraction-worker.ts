/** Runs inside an extraction thread: documents in, their facts (or why not) out. */
import { parentPort } from 'node:worker_threads';
import { extractOne } from './extract-one.js';
import type { ExtractionReply, ExtractionRequest } from './extraction-pool.js';

const port = parentPort;
if (!port) throw new Error('extraction-worker runs only as a worker thread');

port.on('message', ({ id, texts }: ExtractionRequest) => {
  port.postMessage({ id, results: texts.map(extractOne) } satisfies ExtractionReply);
});
