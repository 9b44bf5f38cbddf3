import { createHash, randomUUID } from 'node:crypto';

function sha256Hex(input: string, length: number): string {
  return createHash('sha256').update(input, 'utf8').digest('hex').slice(0, length);
}

/** Same operation, item and fact => same id, so a retried retain rewrites rather than duplicates. */
export function memoryId(operationId: string, itemIndex: number, factIndex: number): string {
  return `mem-${sha256Hex(`${operationId}:${itemIndex}:${factIndex}`, 24)}`;
}

/** One id per bank and normalized name: every document naming "Alice Johnson" meets at one entity. */
export function entityId(bankId: string, normalizedName: string): string {
  return `ent-${sha256Hex(`${bankId}\u0000${normalizedName}`, 24)}`;
}

export function newOperationId(): string {
  return `op-${randomUUID().replace(/-/g, '').slice(0, 20)}`;
}

/**
 * The store's key of an operation whose id the caller chose: the id within its bank. Ids the service generates
 * are their own key (random, so unique everywhere). "/" never occurs in an id, so no key is two banks'.
 */
export function callerOperationKey(bankId: string, operationId: string): string {
  return `${bankId}/${operationId}`;
}
