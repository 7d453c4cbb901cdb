import { addToCart, cartCount, cartTotalCents, orderItems, parseCart, setQuantity } from './cart';
import { formatDuration } from './duration-words';
import { formatCents } from './money';
import { describeProblem, describeReason } from './problem-words';
import { parseRoute } from './routes';
import { sessionFromToken } from './session';
import { entryDetails, entryKind, entryPhrase, mergeTimeline } from './timeline-words';
import { temporalLink } from './views/temporal-link';

const widget = { productId: 'p1', name: 'Widget', sku: 'W-1', priceCents: 1250 };
const gadget = { productId: 'p2', name: 'Gadget', sku: 'G-1', priceCents: 99 };

describe('the cart', () => {
  it('when a product is added twice, then it is one line of quantity 2', () => {
    const cart = addToCart(addToCart(addToCart([], widget), widget), gadget);
    expect(cart.map((l) => [l.productId, l.quantity])).toEqual([['p1', 2], ['p2', 1]]);
    expect(cartTotalCents(cart)).toBe(2599);
    expect(cartCount(cart)).toBe(3);
    expect(orderItems(cart)).toEqual([{ productId: 'p1', quantity: 2 }, { productId: 'p2', quantity: 1 }]);
  });

  it('when a quantity is set to 0 or beyond 1000, then the line goes or is clamped to the API\'s limit', () => {
    const cart = addToCart([], widget);
    expect(setQuantity(cart, 'p1', 0)).toEqual([]);
    expect(setQuantity(cart, 'p1', 5000)[0]!.quantity).toBe(1000);
    expect(setQuantity(cart, 'p1', Number.NaN)).toEqual([]);
  });

  it('when storage holds something malformed, then only well-formed lines are read back', () => {
    expect(parseCart('not json')).toEqual([]);
    expect(parseCart('{"a":1}')).toEqual([]);
    expect(parseCart(JSON.stringify([{ ...widget, quantity: 2 }, { productId: 'x', quantity: -1 }]))).toEqual([{ ...widget, quantity: 2 }]);
  });
});

describe('words', () => {
  it('when the API refuses with a known code, then the words explain it, with field errors appended', () => {
    expect(describeProblem({ status: 409, code: 'ORDER_NOT_CANCELLABLE', detail: 'order is SHIPPED' })).toMatch(/can no longer be cancelled/);
    expect(describeProblem({ status: 422, code: 'ORDER_MINIMUM_NOT_MET' })).toMatch(/below the shop's minimum/);
    expect(describeProblem({ status: 400, code: 'VALIDATION_FAILED', errors: [{ path: 'shippingAddress.country', message: 'unknown country' }] }))
      .toBe('Some fields need attention. shippingAddress.country: unknown country.');
  });

  it('when the code is unknown, then the detail is shown, else the status', () => {
    expect(describeProblem({ status: 418, code: 'TEAPOT', detail: 'short and stout' })).toBe('short and stout');
    expect(describeProblem({ status: 418, code: 'TEAPOT' })).toBe('The request failed (418).');
  });

  it('when reasons and entries are shown, then they read as phrases', () => {
    expect(describeReason('PAYMENT_DECLINED')).toBe('the payment was declined');
    expect(describeReason('SOMETHING_NEW')).toBe('something new');
    expect(describeReason('carrier does not serve AQ')).toBe('carrier does not serve AQ');
    expect(entryPhrase('PaymentRefunded')).toBe('Payment refunded');
    expect(entryPhrase('SomethingNew')).toBe('Something New');
    expect(entryDetails({ sequence: 1, type: 'PaymentCharged', at: '', data: { amountCents: 1050, additional: true } })).toBe('$10.50 (revision extra)');
    expect(entryDetails({ sequence: 1, type: 'OrderRejected', at: '', data: { reason: 'OUT_OF_STOCK' } })).toBe('not enough stock');
    expect(entryDetails({ sequence: 1, type: 'CompensationFailed', at: '', data: { compensation: 'releaseStock', attempt: 2, message: 'db down' } })).toBe('releaseStock, attempt 2: db down');
  });

  it('when cents are formatted, then amounts beyond 32 bits stay exact', () => {
    expect(formatCents(0)).toBe('$0.00');
    expect(formatCents(10_000_000_000)).toBe('$100,000,000.00');
    expect(formatCents(123_456_789_01)).toBe('$123,456,789.01');
  });
});

describe('durations', () => {
  it('when a duration is shown, then it is in the largest units that say it', () => {
    expect([0, 45, 60, 725, 3600, 3900, 47 * 3600, 48 * 3600, 400 * 86400].map(formatDuration)).toEqual(['0 s', '45 s', '1 min', '12 min', '1 h', '1 h 5 min', '47 h', '2 days', '400 days']);
  });
});

describe('timelines', () => {
  it('when a reload and the stream both hold entries, then the union is kept once each, by sequence', () => {
    const e = (sequence: number) => ({ sequence, type: 'T', at: '', data: {} });
    expect(mergeTimeline([e(1), e(3)], [e(2), e(3), e(4)]).map((x) => x.sequence)).toEqual([1, 2, 3, 4]);
  });
});

describe('entry kinds', () => {
  it('when an entry is a refusal, an undo or progress, then the timeline marks it so', () => {
    expect(['PaymentDeclined', 'ShipmentRefused', 'OrderRejected', 'RevisionRejected', 'CompensationFailed'].map(entryKind)).toEqual(Array(5).fill('failure'));
    expect(['StockReleased', 'CreditReleased', 'PaymentRefunded', 'CancelRequested', 'OrderCancelled'].map(entryKind)).toEqual(Array(5).fill('compensation'));
    expect(['OrderPlaced', 'StockReserved', 'PaymentCharged', 'OrderShipped', 'SomethingNew'].map(entryKind)).toEqual(Array(5).fill('progress'));
  });
});

describe('routes', () => {
  it('when the hash names a view, then the route says which, with its parameters', () => {
    expect(parseRoute('')).toEqual({ view: 'catalog' });
    expect(parseRoute('#/orders')).toEqual({ view: 'my-orders' });
    expect(parseRoute('#/orders/abc-1')).toEqual({ view: 'order', orderId: 'abc-1' });
    expect(parseRoute('#/admin/orders?status=PAID')).toEqual({ view: 'admin-orders', status: 'PAID' });
    expect(parseRoute('#/admin/customers/c-1')).toEqual({ view: 'admin-customers', customerId: 'c-1' });
    expect(parseRoute('#/nope/x')).toEqual({ view: 'not-found', path: '/nope/x' });
  });
});

describe('session and links', () => {
  const jwt = (claims: object) => `h.${btoa(JSON.stringify(claims)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.s`;

  it('when a token is read, then its subject, role and expiry are known; a malformed one is no session', () => {
    expect(sessionFromToken(jwt({ sub: 'c1', role: 'admin', exp: 2000 }))).toEqual({ token: jwt({ sub: 'c1', role: 'admin', exp: 2000 }), customerId: 'c1', role: 'admin', expiresAt: 2_000_000 });
    expect(sessionFromToken(jwt({ sub: 'c1', role: 'root', exp: 2000 }))).toBeNull();
    expect(sessionFromToken('garbage')).toBeNull();
    expect(sessionFromToken('a.%%%.c')).toBeNull();
  });

  it('when the Web UI address is known, then an order links to its saga, workflow id order-<orderId>', () => {
    expect(temporalLink({ temporalUiUrl: 'http://localhost:8233/', temporalNamespace: 'default' }, 'o-1')).toBe('http://localhost:8233/namespaces/default/workflows/order-o-1');
    expect(temporalLink(null, 'o-1')).toBeNull();
  });
});
