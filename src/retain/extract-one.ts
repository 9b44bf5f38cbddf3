import { type ExtractedFact, extractDocument } from '../domain/extract.js';

/** A document's facts, or why they could not be extracted. */
export type Extraction = { facts: ExtractedFact[] } | { error: string };

/**
 * One document, on whichever thread runs it. Its own module because it loads the NLP tagger (about 50 MB
 * resident): the service's main thread loads it only when it extracts on the event loop (no threads).
 */
export function extractOne(text: string): Extraction {
  try {
    return { facts: extractDocument(text).facts };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
