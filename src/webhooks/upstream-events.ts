import type { OperationType } from '../../workflows/definitions.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../store/webhooks.js';

/**
 * Hindsight's event names, each the ending of one operation type. A webhook registered with them hears every
 * ending (completed, failed or cancelled) of that type; the body's `status` tells which.
 */
export const HINDSIGHT_EVENTS = {
  'retain.completed': 'batch_retain',
  'consolidation.completed': 'regenerate_observations',
} as const satisfies Record<string, OperationType>;
export type HindsightEvent = keyof typeof HINDSIGHT_EVENTS;
export const HINDSIGHT_EVENT_NAMES = Object.keys(HINDSIGHT_EVENTS) as HindsightEvent[];

const isHindsightEvent = (name: string): name is HindsightEvent => name in HINDSIGHT_EVENTS;
const isOwnEvent = (name: string): name is WebhookEventType =>
  (WEBHOOK_EVENT_TYPES as string[]).includes(name);

export interface Subscription {
  events: WebhookEventType[];
  operationTypes: OperationType[] | null;
  /** The Hindsight names subscribed with, shown back as `event_types`; null when our names were used. */
  hindsightNames: HindsightEvent[] | null;
}

/**
 * What a list of event names subscribes to, or a sentence saying what to fix. Our names and Hindsight's
 * cannot be mixed: ours filter by how an operation ended, Hindsight's by its type, and one webhook holds one
 * filter of each.
 */
export function subscriptionOf(
  names: string[],
  operationTypes: OperationType[] | null,
): Subscription | string {
  const unknown = names.filter((n) => !isOwnEvent(n) && !isHindsightEvent(n));
  if (unknown.length > 0) {
    const accepted = [...WEBHOOK_EVENT_TYPES, ...HINDSIGHT_EVENT_NAMES].join(', ');
    return `${unknown.join(', ')} ${unknown.length === 1 ? 'is not an event' : 'are not events'} this service sends; it sends ${accepted}`;
  }
  const unique = [...new Set(names)];
  const hindsight = unique.filter(isHindsightEvent);
  if (hindsight.length === 0)
    return { events: unique as WebhookEventType[], operationTypes, hindsightNames: null };
  if (hindsight.length < unique.length)
    return `mixes operation.* events with Hindsight's ${HINDSIGHT_EVENT_NAMES.join(' and ')}: register one webhook for each kind`;
  if (operationTypes)
    return "cannot be combined with operation_types: Hindsight's event names already name the operation type";
  return {
    events: [...WEBHOOK_EVENT_TYPES],
    operationTypes: hindsight.map((n) => HINDSIGHT_EVENTS[n]),
    hindsightNames: hindsight,
  };
}

/** The `event` a Hindsight receiver reads: its name for the operation's type, else our event type. */
export function hindsightEventOf(type: WebhookEventType, operationType: OperationType): string {
  const name = HINDSIGHT_EVENT_NAMES.find((n) => HINDSIGHT_EVENTS[n] === operationType);
  return name ?? type;
}
