// The cart and "Place order": shipping address and one of the documented test payment tokens.
import { useState } from 'preact/hooks';
import { idempotencyKey, type Order } from '../api';
import { cartTotalCents, orderItems, setQuantity, MAX_QUANTITY } from '../cart';
import { formatCents } from '../money';
import { COUNTRIES, PAYMENT_CHOICES } from '../payment-choices';
import { href } from '../routes';
import { ErrorNote, navigate, Page, useApp, useFormSubmit } from './common';

export function CartView() {
  const app = useApp();
  // One key per cart contents: a double submit, or a retry after a lost answer, is the same order.
  const [key, setKey] = useState(idempotencyKey);
  const { cart } = app;
  const change = (productId: string, quantity: number) => { app.setCart(setQuantity(cart, productId, quantity)); setKey(idempotencyKey()); };

  const { busy, error, submit: place } = useFormSubmit(async (form) => {
    const field = (name: string) => String(form.get(name) ?? '').trim();
    const order = await app.call<Order>('POST', '/orders', {
      headers: { 'Idempotency-Key': key },
      body: {
        items: orderItems(cart),
        shippingAddress: { line1: field('line1'), city: field('city'), postalCode: field('postalCode'), country: field('country') },
        paymentMethod: { token: field('token') },
      },
    });
    app.setCart([]);
    setKey(idempotencyKey());
    app.announce('Order placed. Follow its saga live.');
    navigate(href.order(order.orderId));
  });

  if (cart.length === 0) {
    return <Page title="Cart"><p>Your cart is empty. <a href={href.catalog()}>Browse the catalog</a>.</p></Page>;
  }
  return (
    <Page title="Cart">
      <table class="table">
        <caption class="sr-only">Items in the cart</caption>
        <thead><tr><th scope="col">Product</th><th scope="col">Unit price</th><th scope="col">Quantity</th><th scope="col">Line total</th><th scope="col"><span class="sr-only">Remove</span></th></tr></thead>
        <tbody>
          {cart.map((line) => (
            <tr key={line.productId}>
              <th scope="row">{line.name} <span class="muted">{line.sku}</span></th>
              <td>{formatCents(line.priceCents)}</td>
              <td>
                <input type="number" min={1} max={MAX_QUANTITY} value={line.quantity} class="qty" aria-label={`Quantity of ${line.name}`}
                  onInput={(e) => { const n = Number(e.currentTarget.value); if (Number.isInteger(n) && n >= 1) change(line.productId, n); }}
                  onChange={(e) => change(line.productId, Number(e.currentTarget.value))} />
              </td>
              <td>{formatCents(line.priceCents * line.quantity)}</td>
              <td><button type="button" onClick={() => change(line.productId, 0)} aria-label={`Remove ${line.name}`}>Remove</button></td>
            </tr>
          ))}
        </tbody>
        <tfoot><tr><th scope="row" colSpan={3}>Total</th><td colSpan={2}><strong>{formatCents(cartTotalCents(cart))}</strong></td></tr></tfoot>
      </table>

      {app.session?.role !== 'customer' ? (
        <p class="note note-info">To place the order, <a href={href.signIn()}>sign in</a> or <a href={href.register()}>register</a> as a customer. The cart stays.</p>
      ) : (
        <form class="card form" onSubmit={place}>
          <fieldset>
            <legend>Shipping address</legend>
            <label for="ship-line1">Street and number</label>
            <input id="ship-line1" name="line1" autocomplete="address-line1" required defaultValue="1 Main St" />
            <label for="ship-city">City</label>
            <input id="ship-city" name="city" autocomplete="address-level2" required defaultValue="Springfield" />
            <label for="ship-postal">Postal code</label>
            <input id="ship-postal" name="postalCode" autocomplete="postal-code" required defaultValue="12345" />
            <label for="ship-country">Country</label>
            <select id="ship-country" name="country" autocomplete="country">
              {COUNTRIES.map((c) => <option key={c.code} value={c.code}>{c.name}</option>)}
            </select>
          </fieldset>
          <fieldset>
            <legend>Payment (test cards)</legend>
            {PAYMENT_CHOICES.map((choice, i) => (
              <label key={choice.token} class="choice">
                <input type="radio" name="token" value={choice.token} defaultChecked={i === 0} />
                <span>{choice.label} <code>{choice.token}</code> <span class="muted">— {choice.hint}</span></span>
              </label>
            ))}
          </fieldset>
          <ErrorNote message={error} />
          <button type="submit" class="primary" disabled={busy}>Place order</button>
        </form>
      )}
    </Page>
  );
}
