// Lists of orders: the customer's own, and the operator's view of all with status filters,
// Dispatch for those waiting, and each saga's link to the Temporal Web UI.
import { useState } from 'preact/hooks';
import { ORDER_STATUSES } from '../../../domain/orders/order.status';
import type { OrderSummary, Page as ApiPage } from '../api';
import { formatCents } from '../money';
import { href } from '../routes';
import { ErrorNote, messageOf, navigate, Page, shortId, StatusBadge, useApp, useLoad, when } from './common';
import { temporalLink } from './temporal-link';

function useOrders(query: string) {
  const app = useApp();
  const [more, setMore] = useState<OrderSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const first = useLoad(async () => {
    const page = await app.call<ApiPage<OrderSummary>>('GET', `/orders?limit=25${query}`);
    setMore([]);
    setCursor(page.nextCursor);
    return page.items;
  }, [query, app.session?.token]);
  const loadMore = async () => {
    if (!cursor) return;
    const page = await app.call<ApiPage<OrderSummary>>('GET', `/orders?limit=25${query}&cursor=${encodeURIComponent(cursor)}`);
    setMore([...more, ...page.items]);
    setCursor(page.nextCursor);
  };
  return { ...first, items: [...(first.data ?? []), ...more], cursor, loadMore };
}

export function MyOrders() {
  const orders = useOrders('');
  return (
    <Page title="My orders" actions={<button type="button" onClick={orders.reload}>Refresh</button>}>
      <ErrorNote message={orders.error} />
      {orders.data && orders.items.length === 0 ? <p>No orders yet. <a href={href.catalog()}>Browse the catalog</a>.</p> : null}
      <OrderTable orders={orders.items} admin={false} onChanged={orders.reload} />
      {orders.cursor ? <button type="button" onClick={orders.loadMore}>Load more</button> : null}
    </Page>
  );
}

export function AdminOrders({ status }: { status: string }) {
  const orders = useOrders(status ? `&status=${encodeURIComponent(status)}` : '');
  return (
    <Page title="All orders" actions={<button type="button" onClick={orders.reload}>Refresh</button>}>
      <div class="toolbar">
        <label for="status-filter">Status</label>
        <select id="status-filter" value={status} onChange={(e) => navigate(href.adminOrders(e.currentTarget.value))}>
          <option value="">All statuses</option>
          {ORDER_STATUSES.map((s) => <option key={s} value={s}>{s.replace(/_/g, ' ')}</option>)}
        </select>
      </div>
      <ErrorNote message={orders.error} />
      {orders.data && orders.items.length === 0 ? <p>No orders{status ? ` with status ${status.replace(/_/g, ' ')}` : ''}.</p> : null}
      <OrderTable orders={orders.items} admin onChanged={orders.reload} />
      {orders.cursor ? <button type="button" onClick={orders.loadMore}>Load more</button> : null}
    </Page>
  );
}

function OrderTable({ orders, admin, onChanged }: { orders: OrderSummary[]; admin: boolean; onChanged(): void }) {
  const app = useApp();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const dispatch = async (orderId: string) => {
    try {
      await app.call('POST', `/orders/${orderId}/dispatch`);
      app.announce(`Order ${shortId(orderId)} dispatched.`);
      setErrors({ ...errors, [orderId]: '' });
      setTimeout(onChanged, 300);
    } catch (e) {
      setErrors({ ...errors, [orderId]: messageOf(e) });
    }
  };
  if (orders.length === 0) return null;
  return (
    <div class="table-wrap">
      <table class="table">
        <caption class="sr-only">Orders</caption>
        <thead>
          <tr><th scope="col">Order</th>{admin ? <th scope="col">Customer</th> : null}<th scope="col">Status</th><th scope="col">Total</th><th scope="col">Placed</th>{admin ? <th scope="col">Operate</th> : null}</tr>
        </thead>
        <tbody>
          {orders.map((o) => {
            const link = admin ? temporalLink(app.config, o.orderId) : null;
            return (
              <tr key={o.orderId} data-order-id={o.orderId}>
                <th scope="row"><a href={href.order(o.orderId)} aria-label={`Order ${o.orderId}`}>{shortId(o.orderId)}</a></th>
                {admin ? <td><a href={href.adminCustomer(o.customerId)}>{shortId(o.customerId)}</a></td> : null}
                <td><StatusBadge status={o.status} /></td>
                <td>{formatCents(o.totalCents)}</td>
                <td>{when(o.createdAt)}</td>
                {admin ? (
                  <td><div class="cell-actions">
                    {o.status === 'PAID' ? <button type="button" class="primary" onClick={() => dispatch(o.orderId)} aria-label={`Dispatch order ${o.orderId}`}>Dispatch</button> : null}
                    {link ? <a href={link} target="_blank" rel="noopener noreferrer" aria-label={`Saga of order ${o.orderId} in Temporal Web UI`}>Temporal</a> : null}
                    {errors[o.orderId] ? <span role="alert" class="inline-error">{errors[o.orderId]}</span> : null}
                  </div></td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
