// The order saga (`order-<orderId>` on task queue `orders`), step by step as shared/API.md describes:
// stock → credit → APPROVED → payment → PAID → wait for dispatch → shipment → SHIPPED.
// A failed step or a customer cancel runs the compensations of the steps already done, in reverse.
// Business rejections are normal completions with a reason; outages are retried by the activities.
import {
  ActivityFailure, allHandlersFinished, ApplicationFailure, CancellationScope, condition, isCancellation, log, patched, setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { OrderStatus, RejectionReason } from '../domain/orders/order';
import { canCancel, canRevise } from '../domain/orders/order';
import type { OrderCommand } from '../domain/orders/order.commands';
import { declineCode, localOrderActivities, sagaActivities, summarized } from './activity-proxies';
import { CompensationStack, type Compensation } from './compensations';
import { reviseOrderSaga, type OrderSagaSteps } from './revise-order.saga';
import {
  cancelUpdate, CompensationFailingKey, decisionUpdate, MAX_DECISION_WAIT_MS, CustomerIdKey, dispatchSignal, dispatchUpdate, OrderStatusKey, OrderTotalCentsKey, reviseUpdate,
  statusQuery, FINAL_REFUSAL, type OrderSagaResult, type PlaceOrderInput, type ReviseRequest, type SagaStep,
} from './definitions';

/**
 * The saga's shape since this patch: the order's own steps (record, transitions) as local activities,
 * stock and credit reserved at once, and stock committed and credit consumed at once. Sagas started
 * before it replay (and finish) on the old shape: one step after the other, all regular activities.
 */
export const SHAPE_PATCH = 'local-order-steps-concurrent-reservations';
/** Since this patch CompensationFailing is lowered again once a revision's failing compensation recovered. */
export const REVISION_RECOVERY_PATCH = 'revision-compensation-recovery-cleared';
/**
 * Since this patch the order writes an update starts (the REVISION_PENDING and CANCEL_PENDING locks,
 * the dispatch request) are regular activities even in the local-step shape. An update is recorded
 * only when the workflow task that accepted it completes; a local activity runs inside that task, so
 * if the task was lost (the server restarting as the worker completed it) its write outlived the
 * update: the order stayed locked and the saga, knowing nothing of it, failed at the next step. A
 * regular activity is scheduled by the same completion that records the acceptance, so it runs only
 * once the update is durable.
 */
export const AFTER_ACCEPTANCE_PATCH = 'update-started-writes-after-acceptance';
const STARTED_BY_UPDATES: ReadonlySet<OrderCommand['type']> = new Set(['requestRevision', 'requestCancel', 'requestDispatch']);

export async function placeOrderSaga(input: PlaceOrderInput): Promise<OrderSagaResult> {
  const { orderId } = input;
  const act = sagaActivities();
  // Decided by the patch at the saga's first step (runSaga); transitions before then cannot happen.
  let orderSteps: typeof act.orders | ReturnType<typeof localOrderActivities> = act.orders;
  let concurrentSteps = false;
  let updateWritesAfterAcceptance = false;
  const compensations = new CompensationStack();
  const completedSteps: SagaStep[] = [];
  let status: OrderStatus = 'APPROVAL_PENDING';
  let reason: string | null = null;
  let cancelRequested = false;
  let dispatchRequested = false;
  let dispatching = false;
  // Revise: a request waits here until the order is PAID and waiting; while one is pending or
  // running, the order is locked (REVISION_PENDING): no cancel, dispatch or second revision.
  let pendingRevision: ReviseRequest | null = null;
  let revising = false;
  let revisions = 0;
  // Revision requests accepted so far; MAX_REVISIONS bounds them (and with them the history).
  let revisionsAccepted = 0;
  const maxRevisions = input.maxRevisions ?? 5;
  // Set once the outcome is being settled (a rejection or cancel unwinding, or the shipment under
  // way): from then on a new cancel, revise or dispatch could only be accepted and then dropped, so
  // they are refused (409) instead.
  let closing = false;
  // The forward step under way, so a cancel can stop it between attempts (see `step`).
  let stepInFlight: CancellationScope | null = null;
  let currentItems = input.items;
  interface ForwardStep { name: SagaStep; compensation: Compensation; declines: readonly RejectionReason[]; run: () => Promise<unknown> }
  const locked = () => pendingRevision !== null || revising;

  setHandler(statusQuery, () => ({
    orderId, status, completedSteps: [...completedSteps], compensationsRun: [...compensations.ran],
    failedCompensations: [...compensations.failing], cancelRequested, dispatchRequested, reason,
  }));
  setHandler(cancelUpdate, () => {
    cancelRequested = true;
    stepInFlight?.cancel();
    return { orderId, status: 'CANCEL_PENDING' as const };
  }, {
    validator: () => {
      if (!canCancel(status) || closing || cancelRequested || dispatchRequested || locked()) {
        throw ApplicationFailure.nonRetryable(`order ${orderId} is ${status} and cannot be cancelled`, 'ORDER_NOT_CANCELLABLE');
      }
    },
  });
  const acceptDispatch = () => { dispatchRequested = true; };
  setHandler(dispatchUpdate, () => {
    acceptDispatch();
    return { orderId, status };
  }, {
    validator: () => {
      if (status !== 'PAID' || closing || cancelRequested || dispatchRequested || locked()) {
        throw ApplicationFailure.nonRetryable(`order ${orderId} is not waiting for dispatch`, 'ORDER_NOT_DISPATCHABLE');
      }
    },
  });
  // Served by the saga itself: no polling anywhere. The status changes only after its transition
  // committed, so the projection the API then reads already shows it.
  setHandler(decisionUpdate, async (waitMs) => {
    await condition(() => status !== 'APPROVAL_PENDING', Math.max(0, Math.min(waitMs, MAX_DECISION_WAIT_MS)));
    return { orderId, status };
  });
  setHandler(dispatchSignal, () => { if (status === 'PAID' && !closing && !cancelRequested && !locked()) acceptDispatch(); });
  setHandler(reviseUpdate, (request) => {
    pendingRevision = request;
    revisionsAccepted++;
    return { orderId, status: 'REVISION_PENDING' as const };
  }, {
    validator: (_request: ReviseRequest) => {
      if (!canRevise(status) || closing || cancelRequested || dispatchRequested || locked()) {
        throw ApplicationFailure.nonRetryable(`order ${orderId} is ${status} and cannot be revised now`, 'ORDER_NOT_REVISABLE');
      }
      if (revisionsAccepted >= maxRevisions) {
        // Final whatever the projection says: the API answers 409 at once instead of retrying.
        throw ApplicationFailure.nonRetryable(`order ${orderId} was already revised ${revisionsAccepted} times (at most ${maxRevisions})`, 'ORDER_NOT_REVISABLE', FINAL_REFUSAL);
      }
    },
  });

  const transition = async (step: string, command: OrderCommand) => {
    const steps = updateWritesAfterAcceptance && STARTED_BY_UPDATES.has(command.type) ? act.orders : orderSteps;
    status = await summarized(steps.transitionOrder, `Order: ${command.type}`, { orderId, step, command });
    upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
    return status;
  };
  // Raised by any failing compensation (the saga's or a revision's); lowered when they recovered.
  let compensationFailingRaised = false;
  const onCompensationFailure = async (name: string, round: number, message: string) => {
    compensationFailingRaised = true;
    upsertSearchAttributes([{ key: CompensationFailingKey, value: true }]);
    await act.orders.recordCompensationFailed({ orderId, compensation: name, attempt: round, message });
  };
  /** What a revision does through the order saga: its activities, transitions and failure records. */
  const sagaSteps: OrderSagaSteps = { act, transition, onCompensationFailure };
  const unwind = async () => {
    await compensations.unwind(onCompensationFailure);
    if (compensations.recovered) {
      compensationFailingRaised = false;
      upsertSearchAttributes([{ key: CompensationFailingKey, value: false }]);
    }
  };
  /**
   * Runs forward steps at once (one, or several independent ones). Done → its compensation is pushed
   * (in the order given, so they unwind in reverse). A decline (or any permanent failure:
   * SAGA_STEP_FAILED) is returned as the rejection reason — the first step's decline wins when
   * several decline. A cancel stops the steps between attempts: an attempt under way finishes first,
   * so each step either happened or committed nothing; its compensation is pushed either way
   * (compensations give back by state, so they are no-ops when nothing was taken — and cover an
   * attempt that committed but whose result was lost).
   */
  const steps = async (...parts: ForwardStep[]): Promise<'done' | 'stopped' | RejectionReason> => {
    const scope = new CancellationScope({ cancellable: true });
    stepInFlight = scope;
    try {
      const settled = await scope.run(() => Promise.allSettled(parts.map((part) => part.run())));
      let outcome: 'done' | 'stopped' | RejectionReason = 'done';
      let unexpected: unknown = null;
      settled.forEach((result, i) => {
        const part = parts[i]!;
        if (result.status === 'fulfilled') {
          completedSteps.push(part.name);
          compensations.push(part.compensation);
          return;
        }
        const error: unknown = result.reason;
        const code = declineCode(error);
        if (code && (part.declines as readonly string[]).includes(code)) {
          if (outcome === 'done' || outcome === 'stopped' || outcome === 'SAGA_STEP_FAILED') outcome = code as RejectionReason;
          return;
        }
        // Stopped by the cancel: either cancelled between attempts, or the attempt under way failed
        // (an outage: retryable, committed nothing) and no further attempt was made. (Found by the
        // property test: tok_flaky's second attempt failing while a cancel was pending.)
        const stoppedByCancel = isCancellation(error) || (error instanceof ActivityFailure && code === null);
        if (cancelRequested && stoppedByCancel) {
          compensations.push(part.compensation);
          if (outcome === 'done') outcome = 'stopped';
          return;
        }
        if (code && code !== 'SAGA_RESET_REFUSED') {
          log.error('saga step failed for good; rejecting the order', { orderId, step: part.name, code });
          if (outcome === 'done' || outcome === 'stopped') outcome = 'SAGA_STEP_FAILED';
          return;
        }
        unexpected ??= error;
      });
      if (unexpected !== null) throw unexpected;
      // One step stopped by a cancel while the other declined: the decline is returned, and
      // rejectWith honours the cancel that was accepted first.
      return outcome;
    } finally {
      stepInFlight = null;
    }
  };
  const step = (name: SagaStep, compensation: Compensation, declines: readonly RejectionReason[], run: () => Promise<unknown>) => steps({ name, compensation, declines, run });

  const finish = async (): Promise<OrderSagaResult> => {
    // A revision accepted while APPROVED but overtaken by the decision still gets its answer.
    if (pendingRevision !== null) {
      pendingRevision = null;
      await transition('revision-overtaken', { type: 'overtakeRevision', reason: status === 'REJECTED' ? 'ORDER_REJECTED' : 'ORDER_CANCELLED' });
    }
    // A decision waiter answers before the saga closes (it would otherwise be aborted).
    await condition(allHandlersFinished);
    return { orderId, status, reason, compensationsRun: [...compensations.ran] };
  };

  const cancelOnRequest = async () => {
    closing = true;
    await transition('request-cancel', { type: 'requestCancel' });
    await unwind();
    reason = 'CUSTOMER_REQUEST';
    await transition('cancel', { type: 'cancel', reason: 'CUSTOMER_REQUEST' });
    return finish();
  };
  const rejectWith = async (why: RejectionReason) => {
    // A cancel accepted (202) while the declined step was in flight came first: it is honoured.
    if (cancelRequested) return cancelOnRequest();
    closing = true;
    reason = why;
    await unwind();
    await transition('reject', { type: 'reject', reason: why });
    return finish();
  };

  upsertSearchAttributes([
    { key: CustomerIdKey, value: input.customerId },
    { key: OrderStatusKey, value: status },
    { key: OrderTotalCentsKey, value: input.totalCents },
  ]);

  // An operator cancelling the workflow itself (Web UI, CLI) counts as a cancel request: the saga
  // stops at its next checkpoint and compensates. Steps are never interrupted mid-flight (the body
  // runs non-cancellable), so every effect is known before anything is undone — an activity
  // abandoned half-way could otherwise commit after its compensation ran.
  CancellationScope.current().cancelRequested.catch(() => {
    if (dispatching || dispatchRequested) return log.warn('workflow cancel ignored: the order is already being shipped', { orderId });
    if (closing) return log.warn('workflow cancel ignored: the order is already being rejected or cancelled', { orderId });
    log.warn('workflow cancelled by an operator: cancelling the order', { orderId });
    cancelRequested = true;
    stepInFlight?.cancel();
  });

  return CancellationScope.nonCancellable(() => runSaga()).catch((error: unknown) => {
    // A run started by a workflow reset is refused by the order's owner check: fail this run with
    // the operator's path in the message, having changed nothing.
    if (declineCode(error) === 'SAGA_RESET_REFUSED') {
      throw ApplicationFailure.nonRetryable(`order ${orderId}: workflow reset refused (the database is not rolled back with the history); run \`npm run repair-order -- ${orderId}\``, 'SAGA_RESET_REFUSED');
    }
    throw error;
  });

  async function runSaga(): Promise<OrderSagaResult> {
    if (patched(SHAPE_PATCH)) {
      orderSteps = localOrderActivities();
      concurrentSteps = true;
      // Decided here, in the saga's first task, not at the update: a patch marker recorded in the task
      // that accepts an update (beside its timer cancellation) does not replay (nondeterminism).
      updateWritesAfterAcceptance = patched(AFTER_ACCEPTANCE_PATCH);
    }
    await summarized(orderSteps.recordOrderPlaced, `Record order: ${input.items.length} line(s), ${input.totalCents}¢`, input);
    if (cancelRequested) return await cancelOnRequest();

    const reserveStock: ForwardStep = {
      name: 'stock', declines: ['OUT_OF_STOCK', 'UNKNOWN_PRODUCT'],
      compensation: { name: 'releaseStock', run: (undo) => summarized(undo.stock.releaseStock, 'Compensate: release stock', { orderId }) },
      run: () => summarized(act.stock.reserveStock, `Reserve stock: ${input.items.length} line(s)`, { orderId, lines: input.items.map(({ productId, quantity }) => ({ productId, quantity })) }),
    };
    const reserveCredit: ForwardStep = {
      name: 'credit', declines: ['CREDIT_LIMIT_EXCEEDED', 'UNKNOWN_CUSTOMER'],
      compensation: { name: 'releaseCredit', run: (undo) => summarized(undo.credit.releaseCredit, 'Compensate: release credit', { orderId }) },
      run: () => summarized(act.credit.reserveCredit, `Hold ${input.totalCents}¢ of credit`, { orderId, customerId: input.customerId, amountCents: input.totalCents }),
    };
    if (concurrentSteps) {
      // Independent: both at once. Both declining → OUT_OF_STOCK (stock's reason comes first); one
      // declining → the other's reservation is compensated with the rejection.
      const reserved = await steps(reserveStock, reserveCredit);
      if (reserved === 'stopped') return await cancelOnRequest();
      if (reserved !== 'done') return await rejectWith(reserved);
    } else {
      for (const reserve of [reserveStock, reserveCredit]) {
        const reserved = await steps(reserve);
        if (reserved === 'stopped') return await cancelOnRequest();
        if (reserved !== 'done') return await rejectWith(reserved);
        if (cancelRequested) return await cancelOnRequest();
      }
    }
    if (cancelRequested) return await cancelOnRequest();

    await transition('approve', { type: 'approve' });
    if (cancelRequested) return await cancelOnRequest();

    const refundPayment: Compensation = { name: 'refundPayment', run: (undo) => summarized(undo.payment.refundPayment, 'Compensate: refund payment', { orderId }) };
    const payment = await step('payment', refundPayment, ['PAYMENT_DECLINED'], () => summarized(act.payment.chargePayment, `Charge ${input.totalCents}¢`, { orderId, amountCents: input.totalCents, token: input.paymentToken }));
    if (payment === 'stopped') return await cancelOnRequest();
    if (payment !== 'done') return await rejectWith(payment);
    await transition('paid', { type: 'markPaid' });

    // Durable wait: the timer lives in Temporal, so it survives worker and server restarts.
    // Revisions run here; they do not move the dispatch time.
    const dispatchAt = Date.now() + input.dispatchDelayMs;
    for (;;) {
      const remaining = dispatchAt - Date.now();
      if (pendingRevision === null && remaining > 0) await condition(() => dispatchRequested || cancelRequested || pendingRevision !== null, remaining);
      if (pendingRevision === null) break;
      const request: ReviseRequest = pendingRevision;
      revising = true;
      pendingRevision = null;
      const outcome = await reviseOrderSaga({ orderId, revision: ++revisions, currentItems, paymentToken: input.paymentToken, saga: sagaSteps }, request);
      revising = false;
      // A revision returns only once its undo or release compensations are all done: a failure it
      // raised has recovered. (Before this patch the flag stayed raised.)
      if (compensationFailingRaised && patched(REVISION_RECOVERY_PATCH)) {
        compensationFailingRaised = false;
        upsertSearchAttributes([{ key: CompensationFailingKey, value: false }]);
      }
      if (outcome.revised) {
        currentItems = outcome.items;
        upsertSearchAttributes([{ key: OrderTotalCentsKey, value: outcome.totalCents }]);
      }
    }
    if (cancelRequested) return await cancelOnRequest();
    // `closing` refuses further cancel, revise and dispatch; `dispatching` only names why.
    dispatching = true;
    closing = true;
    if (dispatchRequested) await transition('request-dispatch', { type: 'requestDispatch' });

    try {
      await summarized(act.shipment.bookShipment, `Book shipment to ${input.shippingAddress.country}`, { orderId, address: input.shippingAddress });
    } catch (error) {
      if (declineCode(error) !== 'SHIPMENT_FAILED') throw error;
      reason = 'SHIPMENT_FAILED';
      closing = true;
      await unwind();
      await transition('cancel', { type: 'cancel', reason: 'SHIPMENT_FAILED' });
      return finish();
    }
    completedSteps.push('shipment');
    // The order is shipped: reserved stock leaves the warehouse and the credit hold is consumed.
    const commitStock = () => summarized(act.stock.commitStock, 'Stock leaves the warehouse', { orderId });
    const consumeCredit = () => summarized(act.credit.consumeCredit, 'Consume held credit', { orderId });
    if (concurrentSteps) await Promise.all([commitStock(), consumeCredit()]);
    else {
      await commitStock();
      await consumeCredit();
    }
    await transition('shipped', { type: 'markShipped' });
    return finish();
  }
}
