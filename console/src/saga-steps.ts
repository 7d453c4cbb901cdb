// The saga drawn from an order's timeline: each of the four forward steps (stock, credit, payment,
// shipment) with its state. Pure: the order page and its tests feed it the order JSON of docs/API.md.
//
// Why the timeline and not only the status: the status says where the order is, the entries say what
// each context did — a StockReleased after StockReserved is the compensation the picture must show.
// Entries between RevisionRequested and its outcome belong to a revision (its own extra holds,
// charges and partial refunds), not to the order's steps, so they leave the steps as they were.

export type StepName = 'stock' | 'credit' | 'payment' | 'shipment';
export type StepState = 'pending' | 'done' | 'failed' | 'compensated' | 'skipped';

export const STEP_NAMES: readonly StepName[] = ['stock', 'credit', 'payment', 'shipment'];

export interface TimelineEntry { sequence: number; type: string; at: string; data: Record<string, unknown> }

export interface SagaOrder {
  status: string;
  rejectionReason: string | null;
  cancellationReason: string | null;
  timeline: readonly TimelineEntry[];
}

export interface SagaStep {
  name: StepName;
  state: StepState;
  /** A few words on what happened (or what the step waits for). */
  note: string;
  /** Compensation attempts recorded as failed for this step (CompensationFailed entries). */
  compensationFailures: number;
}

/** The timeline entry types after which the order is final and its event stream closes. */
export const FINAL_ENTRY_TYPES: readonly string[] = ['OrderShipped', 'OrderRejected', 'OrderCancelled'];
const FINAL_STATUSES: readonly string[] = ['SHIPPED', 'REJECTED', 'CANCELLED'];

/** Which step each compensation undoes (workflows/place-order.saga.ts names them; repair prefixes `repair:`). */
const UNDOES: Record<string, StepName> = { releaseStock: 'stock', releaseCredit: 'credit', refundPayment: 'payment' };

/** Which step a rejection reason blames (domain/orders/order.status.ts). */
const FAILED_BY_REASON: Record<string, StepName> = {
  OUT_OF_STOCK: 'stock', UNKNOWN_PRODUCT: 'stock',
  CREDIT_LIMIT_EXCEEDED: 'credit', UNKNOWN_CUSTOMER: 'credit',
  PAYMENT_DECLINED: 'payment',
  SHIPMENT_FAILED: 'shipment',
};

const FAILED_NOTE: Record<StepName, string> = {
  stock: 'not enough stock', credit: 'credit limit exceeded', payment: 'payment declined', shipment: 'carrier refused',
};

export function sagaSteps(order: SagaOrder): SagaStep[] {
  const steps = Object.fromEntries(STEP_NAMES.map((name) => [name, { name, state: 'pending', note: '', compensationFailures: 0 } as SagaStep])) as Record<StepName, SagaStep>;
  const set = (name: StepName, state: StepState, note: string) => Object.assign(steps[name], { state, note });
  let revising = false;

  for (const entry of [...order.timeline].sort((a, b) => a.sequence - b.sequence)) {
    const additional = entry.data?.additional === true;
    switch (entry.type) {
      case 'RevisionRequested': revising = true; break;
      case 'OrderRevised': case 'RevisionRejected': revising = false; break;
      case 'StockReserved': if (!revising) set('stock', 'done', 'reserved'); break;
      case 'CreditReserved': if (!revising) set('credit', 'done', 'held'); break;
      case 'PaymentCharged': if (!revising && !additional) set('payment', 'done', 'charged'); break;
      case 'PaymentDeclined': if (!revising && !additional) set('payment', 'failed', FAILED_NOTE.payment); break;
      case 'StockShipped': set('stock', 'done', 'left the warehouse'); break;
      case 'CreditConsumed': set('credit', 'done', 'consumed'); break;
      case 'ShipmentBooked': set('shipment', 'done', typeof entry.data?.trackingNumber === 'string' ? `booked, tracking ${entry.data.trackingNumber}` : 'booked'); break;
      case 'ShipmentRefused': set('shipment', 'failed', FAILED_NOTE.shipment); break;
      case 'StockReleased': if (!revising && steps.stock.state === 'done') set('stock', 'compensated', 'released'); break;
      case 'CreditReleased': if (!revising && steps.credit.state === 'done') set('credit', 'compensated', 'released'); break;
      case 'PaymentRefunded': if (!revising && steps.payment.state === 'done') set('payment', 'compensated', 'refunded'); break;
      case 'CompensationFailed': {
        const undone = UNDOES[String(entry.data?.compensation ?? '').replace(/^repair:/, '')];
        if (undone) steps[undone].compensationFailures++;
        break;
      }
    }
  }

  // A stock or credit decline leaves no entry of its own: the order's reason names the step.
  const blamed = FAILED_BY_REASON[order.rejectionReason ?? ''] ?? FAILED_BY_REASON[order.cancellationReason ?? ''];
  if (blamed && steps[blamed].state === 'pending') set(blamed, 'failed', FAILED_NOTE[blamed]);

  const final = FINAL_STATUSES.includes(order.status);
  const underWay = steps.stock.state === 'done' && steps.credit.state === 'done';
  for (const step of STEP_NAMES.map((name) => steps[name])) {
    if (step.state !== 'pending') continue;
    if (final || order.status === 'CANCEL_PENDING') set(step.name, 'skipped', 'not run');
    else if (step.name === 'stock' || step.name === 'credit') set(step.name, 'pending', 'in progress');
    else if (step.name === 'payment') set('payment', 'pending', underWay ? 'in progress' : 'waiting');
    else set('shipment', 'pending', steps.payment.state === 'done' ? 'waiting for dispatch' : 'waiting');
  }
  return STEP_NAMES.map((name) => steps[name]);
}

/** One sentence for screen readers and the picture's description. */
export function describeSaga(steps: readonly SagaStep[]): string {
  return steps.map((s) => `${s.name}: ${s.state}${s.note ? ` (${s.note})` : ''}${s.compensationFailures ? `, ${s.compensationFailures} failed compensation attempt(s)` : ''}`).join('; ');
}
