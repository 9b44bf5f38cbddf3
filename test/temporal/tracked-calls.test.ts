import { Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';
import { TrackedCalls } from '../../src/temporal/tracked-calls.js';
import { freePort } from '../support/ports.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Temporal calls outside the worker', () => {
  it('gives a call to an absent server a prompt error, and closing afterwards leaves no retry behind', async () => {
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const calls = new TrackedCalls(connection, 500);
    const started = Date.now();
    await expect(calls.run(() => connection.workflowService.getSystemInfo({}))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    await calls.drain();
    await connection.close();
    await sleep(1_500); // an SDK retry timer left running would now throw "Channel has been shut down"
  });

  it('drains the calls under way and refuses new ones without touching the connection', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const calls = new TrackedCalls(connection);
    let answered = false;
    const underWay = calls.run(async () => {
      await connection.workflowService.getSystemInfo({});
      answered = true;
    });
    await calls.drain();
    expect(answered).toBe(true);
    await underWay;

    let touched = false;
    const late = calls.run(async () => {
      touched = true;
    });
    await expect(late).rejects.toThrow('the Temporal connection is closing');
    expect(touched).toBe(false);
    await connection.close();
  });
});
