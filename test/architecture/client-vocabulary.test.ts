import { describe, expect, it } from 'vitest';
import * as published from '../../clients/typescript/src/schemas.js';
import * as service from '../../workflows/definitions.js';

// The client package is installed on its own and cannot import the service's definitions, so it keeps a copy
// of the operation vocabulary; this keeps the copy equal to the one the service answers with.
describe("the TypeScript client's operation vocabulary", () => {
  it('is the service one', () => {
    expect(published.OPERATION_TYPES).toEqual(service.OPERATION_TYPES);
    expect(published.OPERATION_STATUSES).toEqual(service.OPERATION_STATUSES);
    expect(published.TERMINAL_STATUSES).toEqual(service.TERMINAL_STATUSES);
  });
});
