import { createHash } from 'node:crypto';
import type { OperationMetadata } from '../store/operations.js';
import { type RetainItem, storedFields } from '../store/retain-items.js';
import type { OperationType } from './types.js';

/** JSON with object keys sorted, so the order a client wrote fields in does not change the fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const digest = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

/**
 * Labels are part of what was asked: the same id sent with other labels is other content. None adds nothing,
 * so the fingerprints of requests without labels are those stored before labels existed.
 */
const labelled = (metadata: OperationMetadata | undefined) =>
  metadata && Object.keys(metadata).length > 0 ? { metadata } : {};

/**
 * What a retain asks for, as one hash: its documents in order, each field as the store keeps it. Whether the
 * request waits (`async`) is not part of it, so a retry that waits differently still finds its operation.
 */
export function retainFingerprint(items: RetainItem[], metadata?: OperationMetadata): string {
  return digest(
    canonical({
      type: 'batch_retain',
      items: items.map(storedFields),
      ...labelled(metadata),
    }),
  );
}

/** What a maintenance request asks for: its type and its parameters. */
export function maintenanceFingerprint(
  type: OperationType,
  params: Record<string, unknown>,
  metadata?: OperationMetadata,
): string {
  return digest(canonical({ type, params, ...labelled(metadata) }));
}
