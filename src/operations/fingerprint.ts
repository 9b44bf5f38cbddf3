import { createHash } from 'node:crypto';
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
 * What a retain asks for, as one hash: its documents in order, each field as the store keeps it. Whether the
 * request waits (`async`) is not part of it, so a retry that waits differently still finds its operation.
 */
export function retainFingerprint(items: RetainItem[]): string {
  return digest(
    canonical({
      type: 'batch_retain',
      items: items.map(storedFields),
    }),
  );
}

/** What a maintenance request asks for: its type and its parameters. */
export function maintenanceFingerprint(type: OperationType, params: Record<string, unknown>): string {
  return digest(canonical({ type, params }));
}
