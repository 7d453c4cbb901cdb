// The catalog: every product with its price, the stock available now, and "Add".
import { useState } from 'preact/hooks';
import type { Product } from '../api';
import { addToCart } from '../cart';
import { formatCents } from '../money';
import { href } from '../routes';
import { ErrorNote, Page, useApp } from './common';
import { useProducts } from './use-products';

export function Catalog() {
  const app = useApp();
  const products = useProducts();
  const [filter, setFilter] = useState('');
  const shown = products.items.filter((p) => `${p.name} ${p.sku}`.toLowerCase().includes(filter.trim().toLowerCase()));
  const inCart = (productId: string) => app.cart.find((l) => l.productId === productId)?.quantity ?? 0;
  const add = (p: Product) => {
    app.setCart(addToCart(app.cart, { productId: p.productId, name: p.name, sku: p.sku, priceCents: p.priceCents }));
    app.announce(`${p.name} added to the cart.`);
  };
  return (
    <Page title="Catalog" actions={<a class="button" href={href.cart()}>Go to cart</a>}>
      <div class="toolbar">
        <label for="catalog-filter">Filter products</label>
        <input id="catalog-filter" type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} placeholder="name or SKU" />
        <button type="button" onClick={products.reload} disabled={products.loading}>Refresh</button>
      </div>
      <ErrorNote message={products.error} />
      {products.loading && !products.data ? <p>Loading the catalog…</p> : null}
      {products.data && shown.length === 0 ? <p>No products {filter ? 'match among those loaded' : 'yet'}.</p> : null}
      <ul class="grid" aria-label="Products">
        {shown.map((p) => (
          <li key={p.productId} class="card product" data-sku={p.sku}>
            <h2>{p.name}</h2>
            <p class="muted">SKU {p.sku}</p>
            <p class="price">{formatCents(p.priceCents)}</p>
            <p class={p.stockAvailable > 0 ? 'stock' : 'stock stock-out'}>{p.stockAvailable > 0 ? `${p.stockAvailable} in stock` : 'Out of stock'}</p>
            <button type="button" class="primary" onClick={() => add(p)} aria-label={`Add ${p.name} (${p.sku}) to the cart`}>
              Add{inCart(p.productId) ? ` (${inCart(p.productId)} in cart)` : ''}
            </button>
          </li>
        ))}
      </ul>
      {products.hasMore ? <button type="button" onClick={products.loadMore}>Load more products</button> : null}
    </Page>
  );
}
