// The operator's warehouse: stuck orders and failed compensations, customers' credit limits,
// stock levels with restock, and new products.
import { useState } from 'preact/hooks';
import type { Customer, OrderSummary, Page as ApiPage, Product, StuckOrder } from '../api';
import { formatDuration } from '../duration-words';
import { formatCents } from '../money';
import { href } from '../routes';
import { ErrorNote, messageOf, navigate, Page, shortId, StatusBadge, useApp, useLoad, when } from './common';
import { useProducts } from './use-products';

const THRESHOLDS = ['30s', '1m', '5m', '15m', '1h'];

export function AdminStuck() {
  const app = useApp();
  const [olderThan, setOlderThan] = useState('5m');
  const stuck = useLoad(() => app.call<{ items: StuckOrder[] }>('GET', `/admin/stuck-orders?olderThan=${olderThan}`), [olderThan]);
  return (
    <Page title="Stuck orders" actions={<button type="button" onClick={stuck.reload}>Refresh</button>}>
      <div class="toolbar">
        <label for="stuck-threshold">Not final after</label>
        <select id="stuck-threshold" value={olderThan} onChange={(e) => setOlderThan(e.currentTarget.value)}>
          {THRESHOLDS.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </div>
      <ErrorNote message={stuck.error} />
      {stuck.data && stuck.data.items.length === 0 ? <p>No order has been stuck for more than {olderThan}.</p> : null}
      <ul class="plain stack" aria-label="Stuck orders">
        {(stuck.data?.items ?? []).map((o) => (
          <li key={o.orderId} class="card">
            <p><a href={href.order(o.orderId)}>Order {shortId(o.orderId)}</a> <StatusBadge status={o.status} /> unchanged for {formatDuration(o.stuckForSeconds)} (since {when(o.updatedAt)})</p>
            {o.compensationFailures.length > 0 ? (
              <details open>
                <summary>{o.compensationFailures.length} failed compensation attempt(s)</summary>
                <ul>{o.compensationFailures.map((f, i) => <li key={i}>{when(f.at)}: {f.compensation}, attempt {f.attempt} — {f.message}</li>)}</ul>
              </details>
            ) : <p class="muted">No compensation failures recorded.</p>}
            <a href={o.webUiUrl} target="_blank" rel="noopener noreferrer">Saga {o.workflowId} in Temporal Web UI</a>
          </li>
        ))}
      </ul>
    </Page>
  );
}

export function AdminCustomers({ customerId }: { customerId: string }) {
  const app = useApp();
  const customer = useLoad(async () => (customerId ? app.call<Customer>('GET', `/customers/${encodeURIComponent(customerId)}`) : null), [customerId]);
  const [error, setError] = useState<string | null>(null);
  const lookUp = (event: Event) => {
    event.preventDefault();
    navigate(href.adminCustomer(String(new FormData(event.currentTarget as HTMLFormElement).get('customerId') ?? '').trim()));
  };
  const setLimit = async (event: Event) => {
    event.preventDefault();
    const dollars = Number(new FormData(event.currentTarget as HTMLFormElement).get('limit'));
    setError(null);
    try {
      await app.call('PUT', `/customers/${encodeURIComponent(customerId)}/credit-limit`, { body: { creditLimitCents: Math.round(dollars * 100) } });
      app.announce('Credit limit saved.');
      customer.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const c = customer.data;
  return (
    <Page title="Customers' credit">
      <form class="toolbar" onSubmit={lookUp}>
        <label for="customer-id">Customer id</label>
        <input id="customer-id" name="customerId" defaultValue={customerId} required size={38} />
        <button type="submit">Look up</button>
      </form>
      <RecentCustomers current={customerId} />
      <ErrorNote message={customer.error} />
      {c ? (
        <section class="card" aria-labelledby="customer-title">
          <h2 id="customer-title">{c.name}</h2>
          <p>{c.email} <span class="muted">({c.customerId})</span></p>
          <p>Credit limit <strong>{formatCents(c.creditLimitCents)}</strong>, available now <strong>{formatCents(c.creditAvailableCents)}</strong></p>
          <form class="toolbar" onSubmit={setLimit}>
            <label for="credit-limit">New limit in dollars</label>
            <input id="credit-limit" name="limit" type="number" min={0} step="0.01" required defaultValue={String(c.creditLimitCents / 100)} />
            <button type="submit" class="primary">Save limit</button>
          </form>
          <ErrorNote message={error} />
          <p><a href={`${href.adminOrders()}`}>All orders</a></p>
        </section>
      ) : null}
    </Page>
  );
}

/** There is no customer list in the API: the customers of the latest orders stand in for one. */
function RecentCustomers({ current }: { current: string }) {
  const app = useApp();
  const recent = useLoad(async () => {
    const page = await app.call<ApiPage<OrderSummary>>('GET', '/orders?limit=100');
    return [...new Set(page.items.map((o) => o.customerId))].slice(0, 12);
  }, []);
  if (!recent.data?.length) return null;
  return (
    <nav aria-label="Customers of the latest orders" class="toolbar">
      <span class="muted">Customers of the latest orders:</span>
      {recent.data.map((id) => <a key={id} href={href.adminCustomer(id)} aria-current={id === current ? 'page' : undefined} aria-label={`Customer ${id}`}>{shortId(id)}</a>)}
    </nav>
  );
}

export function AdminStock() {
  const app = useApp();
  const products = useProducts();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [createError, setCreateError] = useState<string | null>(null);
  const restock = async (event: Event, p: Product) => {
    event.preventDefault();
    const delta = Number(new FormData(event.currentTarget as HTMLFormElement).get('delta'));
    try {
      const updated = await app.call<Product>('POST', `/products/${p.productId}/stock`, { body: { delta } });
      products.replace(updated);
      app.announce(`${p.name}: ${updated.stockAvailable} available now.`);
      setErrors({ ...errors, [p.productId]: '' });
    } catch (e) {
      setErrors({ ...errors, [p.productId]: messageOf(e) });
    }
  };
  const create = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setCreateError(null);
    try {
      await app.call('POST', '/products', { body: { sku: String(data.get('sku')).trim(), name: String(data.get('name')).trim(), priceCents: Math.round(Number(data.get('price')) * 100), stock: Number(data.get('stock')) } });
      form.reset();
      app.announce('Product created.');
      products.reload();
    } catch (e) {
      setCreateError(messageOf(e));
    }
  };
  return (
    <Page title="Stock" actions={<button type="button" onClick={products.reload}>Refresh</button>}>
      <ErrorNote message={products.error} />
      <div class="table-wrap">
        <table class="table">
          <caption class="sr-only">Stock levels</caption>
          <thead><tr><th scope="col">Product</th><th scope="col">SKU</th><th scope="col">Price</th><th scope="col">Available</th><th scope="col">Restock</th></tr></thead>
          <tbody>
            {products.items.map((p) => (
              <tr key={p.productId} data-sku={p.sku}>
                <th scope="row">{p.name}</th>
                <td>{p.sku}</td>
                <td>{formatCents(p.priceCents)}</td>
                <td class="stock-level">{p.stockAvailable}</td>
                <td>
                  <form class="inline" onSubmit={(e) => restock(e, p)}>
                    <label class="sr-only" for={`delta-${p.productId}`}>Units to add to {p.name} (negative removes)</label>
                    <input id={`delta-${p.productId}`} name="delta" type="number" step={1} required defaultValue="10" class="qty" />
                    <button type="submit" aria-label={`Restock ${p.name}`}>Restock</button>
                  </form>
                  {errors[p.productId] ? <span role="alert" class="inline-error">{errors[p.productId]}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {products.hasMore ? <button type="button" onClick={products.loadMore}>Load more products</button> : null}
      <form class="card form" onSubmit={create} aria-labelledby="new-product-title">
        <h2 id="new-product-title">New product</h2>
        <label for="new-sku">SKU</label><input id="new-sku" name="sku" required />
        <label for="new-name">Name</label><input id="new-name" name="name" required />
        <label for="new-price">Price in dollars</label><input id="new-price" name="price" type="number" min="0.01" step="0.01" required />
        <label for="new-stock">Stock</label><input id="new-stock" name="stock" type="number" min={0} step={1} required defaultValue="10" />
        <ErrorNote message={createError} />
        <button type="submit" class="primary">Create product</button>
      </form>
    </Page>
  );
}
