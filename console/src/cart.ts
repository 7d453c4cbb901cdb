// The cart: plain data kept in the browser until "Place order" sends it as the order's items.

export interface CartLine { productId: string; name: string; sku: string; priceCents: number; quantity: number }
export type Cart = readonly CartLine[];

/** The API's item rules (docs/API.md): 1..50 distinct lines, quantity 1..1000. */
export const MAX_LINES = 50;
export const MAX_QUANTITY = 1000;

export function addToCart(cart: Cart, product: Omit<CartLine, 'quantity'>): Cart {
  const line = cart.find((l) => l.productId === product.productId);
  if (line) return setQuantity(cart, product.productId, line.quantity + 1);
  if (cart.length >= MAX_LINES) return cart;
  return [...cart, { ...product, quantity: 1 }];
}

/** Clamps to 1..1000; 0 or less removes the line. */
export function setQuantity(cart: Cart, productId: string, quantity: number): Cart {
  if (!Number.isFinite(quantity) || quantity < 1) return cart.filter((l) => l.productId !== productId);
  const clamped = Math.min(MAX_QUANTITY, Math.floor(quantity));
  return cart.map((l) => (l.productId === productId ? { ...l, quantity: clamped } : l));
}

export const cartTotalCents = (cart: Cart): number => cart.reduce((sum, l) => sum + l.priceCents * l.quantity, 0);
export const cartCount = (cart: Cart): number => cart.reduce((sum, l) => sum + l.quantity, 0);
export const orderItems = (cart: Cart) => cart.map(({ productId, quantity }) => ({ productId, quantity }));

/** A cart read back from storage: anything malformed is dropped rather than sent. */
export function parseCart(text: string | null): Cart {
  try {
    const value: unknown = JSON.parse(text ?? '[]');
    if (!Array.isArray(value)) return [];
    return value.filter((l): l is CartLine => typeof l?.productId === 'string' && typeof l?.name === 'string' && typeof l?.sku === 'string'
      && Number.isSafeInteger(l?.priceCents) && Number.isSafeInteger(l?.quantity) && l.quantity >= 1 && l.quantity <= MAX_QUANTITY);
  } catch {
    return [];
  }
}
