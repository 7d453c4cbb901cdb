// A timeline entry in words: the entry type as a phrase, and the data a person cares about.
import { formatCents } from './money';
import { describeReason } from './problem-words';
import type { TimelineEntry } from './saga-steps';

const PHRASES: Record<string, string> = {
  OrderPlaced: 'Order placed', StockReserved: 'Stock reserved', CreditReserved: 'Credit held', OrderApproved: 'Order approved',
  PaymentCharged: 'Payment charged', PaymentDeclined: 'Payment declined', OrderPaid: 'Order paid', DispatchRequested: 'Dispatch requested',
  ShipmentBooked: 'Shipment booked', ShipmentRefused: 'Carrier refused the shipment', StockShipped: 'Stock left the warehouse',
  CreditConsumed: 'Credit consumed', OrderShipped: 'Order shipped', OrderRejected: 'Order rejected', StockReleased: 'Stock released',
  CreditReleased: 'Credit released', PaymentRefunded: 'Payment refunded', CancelRequested: 'Cancel requested', OrderCancelled: 'Order cancelled',
  RevisionRequested: 'Revision requested', OrderRevised: 'Order revised', RevisionRejected: 'Revision rejected', CompensationFailed: 'Compensation failed (will retry)',
};

export type EntryKind = 'progress' | 'failure' | 'compensation';

/** How the timeline marks an entry: a step going wrong, a step being undone, or progress. */
export function entryKind(type: string): EntryKind {
  if (/Declined$|Refused$|Rejected$|^CompensationFailed$/.test(type)) return 'failure';
  if (/Released$|Refunded$|^OrderCancelled$|^CancelRequested$/.test(type)) return 'compensation';
  return 'progress';
}

export const entryPhrase = (type: string): string => PHRASES[type] ?? type.replace(/([a-z])([A-Z])/g, '$1 $2');

export function entryDetails(entry: TimelineEntry): string {
  const d = entry.data ?? {};
  const parts: string[] = [];
  if (typeof d.reason === 'string') parts.push(describeReason(d.reason));
  if (typeof d.amountCents === 'number') parts.push(formatCents(d.amountCents) + (d.additional === true ? ' (revision extra)' : ''));
  if (typeof d.totalCents === 'number') parts.push(`total ${formatCents(d.totalCents)}`);
  if (typeof d.quantity === 'number') parts.push(`${d.quantity} unit${d.quantity === 1 ? '' : 's'}`);
  if (typeof d.trackingNumber === 'string') parts.push(`tracking ${d.trackingNumber}`);
  if (typeof d.compensation === 'string') parts.push(`${d.compensation}${typeof d.attempt === 'number' ? `, attempt ${d.attempt}` : ''}${typeof d.message === 'string' ? `: ${d.message}` : ''}`);
  else if (typeof d.message === 'string') parts.push(d.message);
  return parts.join(' · ');
}

/** The union of two timelines by sequence, in order: a reload and the live stream may both hold an entry. */
export function mergeTimeline(a: readonly TimelineEntry[], b: readonly TimelineEntry[]): TimelineEntry[] {
  const bySequence = new Map<number, TimelineEntry>();
  for (const entry of [...a, ...b]) bySequence.set(entry.sequence, entry);
  return [...bySequence.values()].sort((x, y) => x.sequence - y.sequence);
}
