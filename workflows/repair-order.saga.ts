// The operator's repair of an order whose saga can no longer run — its workflow was reset, which
// order sagas refuse (SAGA_RESET_REFUSED), so the order sits unfinished with no live saga. Runs as
// a new run of `order-<orderId>` (`npm run repair-order -- <orderId>`): takes the order over,
// gives back everything it holds by state (refund every charge, release credit, release stock —
// each idempotent whatever steps ran before) and closes it CANCELLED / OPERATOR_REPAIR.
// A final order is left as it is.
import { CancellationScope, upsertSearchAttributes } from '@temporalio/workflow';
import { isFinal, type OrderStatus } from '../domain/orders/order';
import { sagaActivities, summarized } from './activity-proxies';
import { CompensationStack } from './compensations';
import { CompensationFailingKey, OrderStatusKey } from './definitions';

export interface RepairOrderResult { orderId: string; status: OrderStatus; repaired: boolean; compensationsRun: string[] }

export async function repairOrderSaga(request: { orderId: string }): Promise<RepairOrderResult> {
  const { orderId } = request;
  const act = sagaActivities();
  return CancellationScope.nonCancellable(async () => {
    const found = await summarized(act.orders.adoptOrder, 'Repair: take the order over', { orderId });
    if (isFinal(found)) return { orderId, status: found, repaired: false, compensationsRun: [] };
    // Pushed in saga order so they unwind in reverse: refund, credit, stock.
    const giveBack = new CompensationStack();
    giveBack.push({ name: 'releaseStock', run: (u) => summarized(u.stock.releaseStock, 'Repair: release stock', { orderId }) });
    giveBack.push({ name: 'releaseCredit', run: (u) => summarized(u.credit.releaseCredit, 'Repair: release credit', { orderId }) });
    giveBack.push({ name: 'refundPayment', run: (u) => summarized(u.payment.refundPayment, 'Repair: refund every charge', { orderId }) });
    await giveBack.unwind(async (compensation, round, message) => {
      upsertSearchAttributes([{ key: CompensationFailingKey, value: true }]);
      await act.orders.recordCompensationFailed({ orderId, compensation: `repair:${compensation}`, attempt: round, message });
    });
    if (giveBack.recovered) upsertSearchAttributes([{ key: CompensationFailingKey, value: false }]);
    const status = await summarized(act.orders.transitionOrder, 'Repair: close the order', { orderId, step: 'repair-cancel', command: { type: 'cancel', reason: 'OPERATOR_REPAIR' } });
    upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
    return { orderId, status, repaired: true, compensationsRun: [...giveBack.ran] };
  });
}
