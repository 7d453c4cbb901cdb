// The console's shell: session and cart state, hash routing, the role's navigation, and one polite
// live region that announces what just happened.
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiProblem, type ConsoleConfig } from './api';
import { cartCount, parseCart, type Cart } from './cart';
import { href, parseRoute, type Route } from './routes';
import { isExpired, sessionFromToken, type Session } from './session';
import { App, navigate, Page, type AppContext } from './views/common';
import { Register, SignIn } from './views/auth';
import { Catalog } from './views/catalog';
import { CartView } from './views/cart';
import { AdminOrders, MyOrders } from './views/orders';
import { OrderPage } from './views/order-page';
import { AdminCustomers, AdminStock, AdminStuck } from './views/admin';
import './styles.css';

const TOKEN_KEY = 'saga-orders.token';
const CART_KEY = 'saga-orders.cart';

function storedSession(): Session | null {
  const session = sessionFromToken(sessionStorage.getItem(TOKEN_KEY) ?? '');
  return session && !isExpired(session, Date.now()) ? session : null;
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    let view = parseRoute(location.hash).view;
    const changed = () => {
      const next = parseRoute(location.hash);
      setRoute(next);
      // A new view: move focus to its heading, so keyboard and screen-reader users start there. The
      // same view with other parameters (a status filter) keeps focus where the person is.
      if (next.view !== view || next.view === 'order') requestAnimationFrame(() => document.getElementById('page-title')?.focus());
      view = next.view;
    };
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function Console() {
  const route = useRoute();
  const [session, setSession] = useState(storedSession);
  const [cart, setCartState] = useState<Cart>(() => parseCart(localStorage.getItem(CART_KEY)));
  const [announcement, setAnnouncement] = useState('');
  const [config, setConfig] = useState<ConsoleConfig | null>(null);

  const signOut = useCallback((why?: string) => {
    sessionStorage.removeItem(TOKEN_KEY);
    setSession(null);
    setConfig(null);
    setAnnouncement(why ?? 'Signed out.');
    navigate(href.signIn());
  }, []);

  const context = useMemo<AppContext>(() => ({
    session, config, cart,
    signIn(token) {
      const next = sessionFromToken(token);
      if (!next) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      setSession(next);
      setAnnouncement(`Signed in${next.role === 'admin' ? ' as an operator' : ''}.`);
      navigate(next.role === 'admin' ? href.adminOrders() : cart.length ? href.cart() : href.catalog());
    },
    signOut,
    setCart(next) {
      localStorage.setItem(CART_KEY, JSON.stringify(next));
      setCartState(next);
    },
    async call<T>(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
      try {
        return await api<T>(method, path, { ...options, token: session?.token });
      } catch (error) {
        if (error instanceof ApiProblem && error.status === 401) signOut('Your session has ended. Please sign in again.');
        throw error;
      }
    },
    announce: setAnnouncement,
  }), [session, config, cart, signOut]);

  // The Web UI's address is for operators only (an admin endpoint).
  useEffect(() => {
    if (session?.role !== 'admin') return;
    api<ConsoleConfig>('GET', '/console/config', { token: session.token }).then(setConfig, () => setConfig(null));
  }, [session?.token]);

  // The token's lifetime is known: sign out when it ends rather than fail the next click.
  useEffect(() => {
    if (!session) return;
    const timer = setTimeout(() => signOut('Your session has ended. Please sign in again.'), Math.max(0, session.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session]);

  return (
    <App.Provider value={context}>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('page-title')?.focus(); }}>Skip to content</a>
      <header class="top">
        <a class="brand" href={href.catalog()}>Saga Orders</a>
        <nav aria-label="Main">
          <ul>
            <li><a href={href.catalog()} aria-current={route.view === 'catalog' ? 'page' : undefined}>Catalog</a></li>
            <li><a href={href.cart()} aria-current={route.view === 'cart' ? 'page' : undefined}>Cart ({cartCount(cart)})</a></li>
            {session?.role === 'customer' ? <li><a href={href.myOrders()} aria-current={route.view === 'my-orders' ? 'page' : undefined}>My orders</a></li> : null}
            {session?.role === 'admin' ? (
              <>
                <li><a href={href.adminOrders()} aria-current={route.view === 'admin-orders' ? 'page' : undefined}>All orders</a></li>
                <li><a href={href.adminStuck()} aria-current={route.view === 'admin-stuck' ? 'page' : undefined}>Stuck</a></li>
                <li><a href={href.adminCustomer()} aria-current={route.view === 'admin-customers' ? 'page' : undefined}>Credit</a></li>
                <li><a href={href.adminStock()} aria-current={route.view === 'admin-stock' ? 'page' : undefined}>Stock</a></li>
              </>
            ) : null}
          </ul>
        </nav>
        <div class="who">
          {session ? (
            <>
              <span class="muted">{session.role === 'admin' ? 'Operator' : 'Customer'}</span>
              <button type="button" onClick={() => signOut()}>Sign out</button>
            </>
          ) : (
            <>
              <a href={href.signIn()}>Sign in</a>
              <a class="button" href={href.register()}>Register</a>
            </>
          )}
        </div>
      </header>
      <main id="main">
        <View route={route} session={session} />
      </main>
      <div class="sr-only" role="status" aria-live="polite" id="announcer">{announcement}</div>
    </App.Provider>
  );
}

function View({ route, session }: { route: Route; session: Session | null }) {
  const needs = (role: Session['role']) => (session?.role === role ? null : (
    <Page title={session ? 'Not available' : 'Please sign in'}>
      <p>{session ? `This page is for ${role === 'admin' ? 'operators' : 'customers'}.` : 'This page needs you to sign in.'} <a href={href.signIn()}>Sign in</a></p>
    </Page>
  ));
  switch (route.view) {
    case 'catalog': return <Catalog />;
    case 'sign-in': return <SignIn />;
    case 'register': return <Register />;
    case 'cart': return <CartView />;
    case 'my-orders': return needs('customer') ?? <MyOrders />;
    case 'order': return session ? <OrderPage orderId={route.orderId} /> : needs('customer');
    case 'admin-orders': return needs('admin') ?? <AdminOrders status={route.status} />;
    case 'admin-stuck': return needs('admin') ?? <AdminStuck />;
    case 'admin-customers': return needs('admin') ?? <AdminCustomers customerId={route.customerId} />;
    case 'admin-stock': return needs('admin') ?? <AdminStock />;
    case 'not-found': return <Page title="Not found"><p>No page here. <a href={href.catalog()}>Go to the catalog</a>.</p></Page>;
  }
}

render(<Console />, document.getElementById('app')!);
