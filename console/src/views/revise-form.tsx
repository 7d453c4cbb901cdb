// Revise an order waiting for dispatch: new quantities (0 removes a line) and optionally a product
// from the catalog. The API answers 202 and the saga decides; a refusal (409/422) is shown in words.
import type { Order } from '../api';
import { MAX_QUANTITY } from '../cart';
import { formatCents } from '../money';
import { ErrorNote, useApp, useFormSubmit } from './common';
import { useProducts } from './use-products';

export function ReviseForm({ order, onDone }: { order: Order; onDone(): void }) {
  const app = useApp();
  const catalog = useProducts();
  // Read from the form as submitted: what the person sees is what is sent.
  const { busy, error, submit } = useFormSubmit(async (form) => {
    const items = order.items
      .map((item) => ({ productId: item.productId, quantity: Math.min(MAX_QUANTITY, Math.floor(Number(form.get(`qty-${item.productId}`)) || 0)) }))
      .filter((item) => item.quantity > 0);
    const added = String(form.get('added') ?? '');
    if (added) items.push({ productId: added, quantity: 1 });
    await app.call('POST', `/orders/${encodeURIComponent(order.orderId)}/revise`, { body: { items } });
    app.announce('Revision requested: the saga is applying it.');
    onDone();
  });
  const others = catalog.items.filter((p) => !order.items.some((i) => i.productId === p.productId));
  return (
    <form class="card form" onSubmit={submit} aria-labelledby="revise-title">
      <h2 id="revise-title">Revise the order</h2>
      {order.items.map((item) => (
        <div class="row" key={item.productId}>
          <label for={`revise-${item.productId}`}>{item.name} ({formatCents(item.unitPriceCents)} each; 0 removes it)</label>
          <input id={`revise-${item.productId}`} name={`qty-${item.productId}`} type="number" min={0} max={MAX_QUANTITY} step={1} required class="qty" defaultValue={String(item.quantity)} />
        </div>
      ))}
      <label for="revise-add">Add a product (one unit)</label>
      <select id="revise-add" name="added">
        <option value="">— none —</option>
        {others.map((p) => <option key={p.productId} value={p.productId}>{p.name} ({p.sku}) {formatCents(p.priceCents)}</option>)}
      </select>
      <ErrorNote message={error} />
      <button type="submit" class="primary" disabled={busy}>Send revision</button>
    </form>
  );
}
