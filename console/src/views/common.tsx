// Pieces every view uses: the app context (session, cart, API calls), loading data, and the
// accessible bits — error notes read out by screen readers, status badges in words, not colour only.
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiProblem, type ConsoleConfig } from '../api';
import type { Cart } from '../cart';
import { describeProblem } from '../problem-words';
import type { Session } from '../session';

export interface AppContext {
  session: Session | null;
  signIn(token: string): void;
  signOut(why?: string): void;
  cart: Cart;
  setCart(cart: Cart): void;
  /** An API call as the signed-in user; a 401 signs out. */
  call<T>(method: string, path: string, options?: { body?: unknown; headers?: Record<string, string> }): Promise<T>;
  config: ConsoleConfig | null;
  announce(message: string): void;
}

export const App = createContext<AppContext>(null as unknown as AppContext);
export const useApp = () => useContext(App);

export const navigate = (hash: string) => { window.location.hash = hash; };

export function messageOf(error: unknown): string {
  return error instanceof ApiProblem ? describeProblem(error) : 'Something went wrong. Try again.';
}

/** Loads data for a view; `reload` fetches again, keeping what is shown until the answer comes. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const current = useRef(0);
  const reload = useCallback(() => {
    const ticket = ++current.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => { if (ticket === current.current) setState({ data, loading: false }); },
      (error: unknown) => { if (ticket === current.current) setState((s) => ({ ...s, error: messageOf(error), loading: false })); },
    );
  }, deps);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

/**
 * A form's submit: reads the form as submitted, marks it busy while `work` runs and shows what went
 * wrong in words.
 */
export function useFormSubmit(work: (form: FormData) => Promise<void>) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      await work(form);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

export function ErrorNote({ message }: { message?: string | null }) {
  if (!message) return null;
  return <p class="note note-error" role="alert">{message}</p>;
}

export function Notice({ children }: { children: ComponentChildren }) {
  return <p class="note note-info" role="status">{children}</p>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status.toLowerCase().replace(/_/g, '-')}`}>{status.replace(/_/g, ' ')}</span>;
}

export function Page({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  useEffect(() => { document.title = `${title} · Saga Orders`; }, [title]);
  return (
    <section aria-labelledby="page-title">
      <div class="page-head">
        <h1 id="page-title" tabIndex={-1}>{title}</h1>
        {actions}
      </div>
      {children}
    </section>
  );
}

export const shortId = (id: string) => id.slice(0, 8);
export const when = (iso: string) => new Date(iso).toLocaleString();
