// Hash routes (#/orders/<id>): the API serves one page at `/`, so no server route has to know the
// console's paths, and a reload or a shared link lands on the same view.

export type Route =
  | { view: 'catalog' }
  | { view: 'sign-in' }
  | { view: 'register' }
  | { view: 'cart' }
  | { view: 'my-orders' }
  | { view: 'order'; orderId: string }
  | { view: 'admin-orders'; status: string }
  | { view: 'admin-stuck' }
  | { view: 'admin-customers'; customerId: string }
  | { view: 'admin-stock' }
  | { view: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  switch (parts.join('/')) {
    case '': case 'catalog': return { view: 'catalog' };
    case 'sign-in': return { view: 'sign-in' };
    case 'register': return { view: 'register' };
    case 'cart': return { view: 'cart' };
    case 'orders': return { view: 'my-orders' };
    case 'admin': case 'admin/orders': return { view: 'admin-orders', status: params.get('status') ?? '' };
    case 'admin/stuck': return { view: 'admin-stuck' };
    case 'admin/customers': return { view: 'admin-customers', customerId: '' };
    case 'admin/stock': return { view: 'admin-stock' };
  }
  if (parts.length === 2 && parts[0] === 'orders') return { view: 'order', orderId: parts[1]! };
  if (parts.length === 3 && parts[0] === 'admin' && parts[1] === 'customers') return { view: 'admin-customers', customerId: parts[2]! };
  return { view: 'not-found', path };
}

export const href = {
  catalog: () => '#/',
  signIn: () => '#/sign-in',
  register: () => '#/register',
  cart: () => '#/cart',
  myOrders: () => '#/orders',
  order: (orderId: string) => `#/orders/${encodeURIComponent(orderId)}`,
  adminOrders: (status = '') => `#/admin/orders${status ? `?status=${encodeURIComponent(status)}` : ''}`,
  adminStuck: () => '#/admin/stuck',
  adminCustomer: (customerId = '') => `#/admin/customers${customerId ? `/${encodeURIComponent(customerId)}` : ''}`,
  adminStock: () => '#/admin/stock',
};
