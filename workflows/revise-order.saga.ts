// The revise saga (runs inside the order workflow while the order waits for dispatch):
// REVISION_PENDING → acquire every increase (stock added, credit delta, extra charge) → release every
// decrease (stock removed, credit returned, partial refund) → back to the previous status with the
// new items. Increases come first so that undoing a declined revision only ever gives back what it
// took: it never has to re-acquire stock someone else may have bought meanwhile. Decreases run only
// once every increase succeeded; they cannot be declined and are retried until done.
// Each step has a key `<orderId>:revise-<n>:<step>` so retries and replays apply it once.
import { patched } from '@temporalio/workflow';
import {
  keepSoldPrices, priceLines, revisionDelta, type OrderLine, type OrderStatus, type RevisionRejectionReason,
} from '../domain/orders/order';
import type { OrderCommand } from '../domain/orders/order.commands';
import type { sagaActivities } from './activity-proxies';
import { CompensationStack, type OnPersistentFailure } from './compensations';
import { declineCode, summarized } from './activity-proxies';
import type { ReviseRequest } from './definitions';

/** The order saga as a revision uses it: the same activities, transitions (status and search attribute kept current) and failure records. */
export interface OrderSagaSteps {
  act: ReturnType<typeof sagaActivities>;
  transition: (step: string, command: OrderCommand) => Promise<OrderStatus>;
  onCompensationFailure: OnPersistentFailure;
}

export interface RevisionContext {
  orderId: string;
  revision: number;
  currentItems: readonly OrderLine[];
  paymentToken: string;
  saga: OrderSagaSteps;
}

/** Since this patch a revision refused before it started (the order minimum) is recorded on the timeline. */
export const REFUSAL_RECORDED_PATCH = 'revision-refusal-recorded';

export type RevisionOutcome = { revised: true; items: OrderLine[]; totalCents: number } | { revised: false; reason: string };

const REVISION_DECLINES = new Set<string>(['OUT_OF_STOCK', 'UNKNOWN_PRODUCT', 'CREDIT_LIMIT_EXCEEDED', 'PAYMENT_DECLINED']);

export async function reviseOrderSaga(ctx: RevisionContext, request: ReviseRequest): Promise<RevisionOutcome> {
  const { orderId, revision, saga } = ctx;
  const { act } = saga;
  const key = (step: string) => `${orderId}:revise-${revision}:${step}`;
  const label = (what: string) => `Revision ${revision}: ${what}`;
  // Lines the order already has keep the price they were sold at, whatever the API priced.
  const lines = keepSoldPrices(ctx.currentItems, request.lines);
  const { items: newItems, totalCents } = priceLines(lines);
  const delta = revisionDelta(ctx.currentItems, newItems);
  const added = delta.quantityDeltas.filter((d) => d.quantityDelta > 0);
  const removed = delta.quantityDeltas.filter((d) => d.quantityDelta < 0);
  const more = Math.max(0, delta.totalDeltaCents);
  const less = Math.max(0, -delta.totalDeltaCents);

  try {
    await saga.transition(`revise-${revision}-request`, { type: 'requestRevision', lines, orderMinimumCents: request.orderMinimumCents });
  } catch (error) {
    // The API checks the minimum and the status before sending; if they changed meanwhile, the
    // revision never started and the order is untouched.
    const code = declineCode(error);
    if (code === 'ORDER_MINIMUM_NOT_MET' && patched(REFUSAL_RECORDED_PATCH)) {
      // Every 202 leaves a trace: the accepted request ends with RevisionRejected (nothing moved).
      await saga.transition(`revise-${revision}-refuse`, { type: 'refuseRevision', reason: code });
    }
    if (code === 'ORDER_MINIMUM_NOT_MET' || code === 'ORDER_NOT_REVISABLE') return { revised: false, reason: code };
    throw error;
  }

  const undo = new CompensationStack();
  try {
    if (added.length > 0) {
      await summarized(act.stock.adjustReservation, label(`reserve ${added.length} more line(s)`), { orderId, stepKey: key('stock'), deltas: added });
      const giveBack = added.map((d) => ({ ...d, quantityDelta: -d.quantityDelta }));
      undo.push({ name: `revision-${revision}:undoStock`, run: (u) => summarized(u.stock.adjustReservation, `Compensate revision ${revision}: stock`, { orderId, stepKey: key('stock-undo'), deltas: giveBack }) });
    }
    if (more > 0) {
      await summarized(act.credit.adjustCredit, label(`hold ${more}¢ more credit`), { orderId, stepKey: key('credit'), deltaCents: more });
      undo.push({ name: `revision-${revision}:undoCredit`, run: (u) => summarized(u.credit.adjustCredit, `Compensate revision ${revision}: credit`, { orderId, stepKey: key('credit-undo'), deltaCents: -more }) });
      // The extra charge is the last increase: once it succeeded, nothing left can decline.
      await summarized(act.payment.adjustPayment, label(`charge ${more}¢ more`), { orderId, stepKey: key('payment'), deltaCents: more, token: ctx.paymentToken });
    }
  } catch (error) {
    const code = declineCode(error);
    if (!code || !REVISION_DECLINES.has(code)) throw error;
    await undo.unwind(saga.onCompensationFailure);
    await saga.transition(`revise-${revision}-reject`, { type: 'rejectRevision', reason: code as RevisionRejectionReason });
    return { revised: false, reason: code };
  }

  // Every increase holds: the revision is decided. Give back what the new lines no longer need.
  const release = new CompensationStack();
  if (less > 0) {
    await release.complete({ name: `revision-${revision}:refund`, run: (u) => summarized(u.payment.adjustPayment, label(`refund ${less}¢`), { orderId, stepKey: key('payment'), deltaCents: -less, token: ctx.paymentToken }) }, saga.onCompensationFailure);
    await release.complete({ name: `revision-${revision}:releaseCredit`, run: (u) => summarized(u.credit.adjustCredit, label(`release ${less}¢ of credit`), { orderId, stepKey: key('credit'), deltaCents: -less }) }, saga.onCompensationFailure);
  }
  if (removed.length > 0) {
    await release.complete({ name: `revision-${revision}:releaseStock`, run: (u) => summarized(u.stock.adjustReservation, label(`release ${removed.length} line(s) of stock`), { orderId, stepKey: key('stock-release'), deltas: removed }) }, saga.onCompensationFailure);
  }
  await saga.transition(`revise-${revision}-confirm`, { type: 'reviseOrder', lines });
  return { revised: true, items: newItems, totalCents };
}
