import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startRuntime } from '../../src/runtime.js';
import { MissingSearchAttributes } from '../../src/temporal/search-attributes.js';
import { waitFor } from '../support/http.js';
import { openTestDatabase } from '../support/service.js';

let connection: Connection;
beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  await connection?.close();
});

describe('a Temporal namespace without the search attributes', () => {
  it('is refused at start with the commands that register them, before anything is accepted', async () => {
    // A namespace of its own, as a cluster nobody set up for this service would have.
    const namespace = `bare-${randomUUID()}`;
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    await waitFor('the namespace to be served', () =>
      connection.operatorService.listSearchAttributes({ namespace }).then(
        () => true,
        () => false,
      ),
    );
    const db = await openTestDatabase();
    try {
      const config = {
        ...loadConfig({
          HINDSIGHT_PORT: '0',
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_NAMESPACE: namespace,
        }),
        databaseUrl: db.url,
      };
      const started = startRuntime(config, { api: true, worker: false, logger: createLogger('silent') });
      await expect(started).rejects.toBeInstanceOf(MissingSearchAttributes);
      const message = await started.catch((err: Error) => err.message);
      expect(message).toContain(`The Temporal namespace "${namespace}" lacks the search attributes`);
      expect(message).toContain(
        `temporal operator search-attribute create --namespace ${namespace} --name HindsightBankId --type Keyword`,
      );
    } finally {
      await db.close();
    }
  });
});
