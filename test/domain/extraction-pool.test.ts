import { afterAll, describe, expect, it } from 'vitest';
import { extractDocument } from '../../src/domain/extract.js';
import { ExtractionPool } from '../../src/retain/extraction-pool.js';
import { documents } from '../support/http.js';

const texts = [
  ...documents(30).map((d) => d.content),
  'Short.',
  '',
  'Alice Johnson met Bob Martinez in Paris on 3 March 2024 to discuss the Acme Corporation merger.',
];
const expected = texts.map((text) => ({ facts: extractDocument(text).facts }));

describe('fact extraction on worker threads', () => {
  const pool = new ExtractionPool(2);
  afterAll(() => pool.close());

  it('gives exactly what extraction on the event loop gives, in order, across concurrent calls', async () => {
    const halves = await Promise.all([pool.extract(texts.slice(0, 17)), pool.extract(texts.slice(17))]);
    expect(halves.flat()).toEqual(expected);
  });

  it('stops waiting as soon as its signal is aborted, and goes on serving other calls', async () => {
    const controller = new AbortController();
    const cancelled = pool.extract(texts, controller.signal);
    controller.abort(new Error('cancelled by request'));
    await expect(cancelled).rejects.toThrow('cancelled by request');
    expect(await pool.extract(texts.slice(0, 3))).toEqual(expected.slice(0, 3));
  });

  it('extracts on the event loop when configured with no threads', async () => {
    const inline = new ExtractionPool(0);
    expect(await inline.extract(texts)).toEqual(expected);
  });

  it('refuses work once closed', async () => {
    const closing = new ExtractionPool(1);
    await closing.extract(['Warm the thread up.']);
    await closing.close();
    await expect(closing.extract(['Too late.'])).rejects.toThrow('the extraction pool is closed');
  });
});
