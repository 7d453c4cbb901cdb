// One order: its saga drawn, its timeline followed live over SSE, and what the contract allows
// next — Cancel and Revise for the customer, Dispatch for the operator — with refusals in words.
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { canCancel, canRevise, type OrderStatus } from '../../../domain/orders/order.status';
import type { Order } from '../api';
import { followOrderEvents, type StreamState } from '../event-stream';
import { formatCents } from '../money';
import { href } from '../routes';
import { describeReason } from '../problem-words';
import { FINAL_ENTRY_TYPES, sagaSteps, type TimelineEntry } from '../saga-steps';
import { entryDetails, entryKind, entryPhrase, mergeTimeline } from '../timeline-words';
import { ErrorNote, messageOf, Page, shortId, StatusBadge, useApp, when } from './common';
import { ReviseForm } from './revise-form';
import { SagaPicture } from './saga-picture';
import { temporalLink } from './temporal-link';

const FINAL = ['SHIPPED', 'REJECTED', 'CANCELLED'];
const STREAM_WORDS: Record<StreamState, string> = {
  connecting: 'Connecting to live updates…', live: 'Live: new steps appear as they happen.', reconnecting: 'Connection lost: reconnecting…',
  ended: 'The saga is over: the live stream has closed.', stopped: 'Live updates stopped.',
};

export function OrderPage({ orderId }: { orderId: string }) {
  const app = useApp();
  const [order, setOrder] = useState<Order | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [stream, setStream] = useState<{ state: StreamState; why?: string } | null>(null);
  const [revising, setRevising] = useState(false);
  const latest = useRef<Order | null>(null);
  const shownId = useRef(orderId);
  shownId.current = orderId;

  /** Keeps the newest snapshot (by version) and every entry either source has seen. */
  const absorb = useCallback((next: Partial<Order> & { timeline: TimelineEntry[] }) => {
    if (next.orderId !== undefined && next.orderId !== shownId.current) return; // an answer for the page before
    const current = latest.current;
    const base = current && (next.version === undefined || next.version < current.version) ? current : { ...current, ...next } as Order;
    latest.current = { ...base, timeline: mergeTimeline(current?.timeline ?? [], next.timeline) };
    setOrder(latest.current);
  }, []);

  const refresh = useCallback(async () => {
    try {
      absorb(await app.call<Order>('GET', `/orders/${encodeURIComponent(orderId)}`));
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [orderId]);

  useEffect(() => {
    latest.current = null;
    setOrder(null);
    setStream(null);
    setRevising(false);
    const abort = new AbortController();
    let refreshTimer: ReturnType<typeof setTimeout> | undefined;
    (async () => {
      await refresh();
      const first = latest.current;
      if (!first || FINAL.includes(first.status) || abort.signal.aborted) return;
      await followOrderEvents({
        url: `/orders/${encodeURIComponent(orderId)}/events`,
        token: () => app.session?.token ?? null,
        lastEventId: first.timeline.reduce((max, e) => Math.max(max, e.sequence), 0),
        signal: abort.signal,
        onEntry: (entry) => {
          absorb({ timeline: [entry] });
          // The entry says what happened; the order (status, payment, items) is read again, once per burst.
          clearTimeout(refreshTimer);
          refreshTimer = setTimeout(() => void refresh(), FINAL_ENTRY_TYPES.includes(entry.type) ? 0 : 150);
        },
        onState: (state, why) => { if (!abort.signal.aborted) setStream({ state, why }); },
      });
    })();
    return () => { abort.abort(); clearTimeout(refreshTimer); };
  }, [orderId, app.session?.token]);

  const steps = useMemo(() => (order ? sagaSteps(order) : []), [order]);

  const act = async (what: 'cancel' | 'dispatch', done: string) => {
    setActionError(null);
    try {
      await app.call('POST', `/orders/${encodeURIComponent(orderId)}/${what}`);
      app.announce(done);
      void refresh();
    } catch (e) {
      setActionError(messageOf(e));
    }
  };

  if (!order) return <Page title={`Order ${shortId(orderId)}`}>{error ? <ErrorNote message={error} /> : <p>Loading the order…</p>}</Page>;
  const role = app.session?.role;
  const link = role === 'admin' ? temporalLink(app.config, orderId) : null;
  return (
    <Page title={`Order ${shortId(order.orderId)}`}>
      <div class="order-head">
        <p aria-live="polite" class="order-status">Status: <StatusBadge status={order.status} />
          {order.rejectionReason ? <span> — rejected: {describeReason(order.rejectionReason)}</span> : null}
          {order.cancellationReason ? <span> — cancelled: {describeReason(order.cancellationReason)}</span> : null}
        </p>
        {stream ? <p class={`stream stream-${stream.state}`} role="status">{STREAM_WORDS[stream.state]}{stream.why ? ` (${stream.why})` : ''}</p> : null}
      </div>
      <ErrorNote message={error} />

      <SagaPicture steps={steps} />

      <div class="actions" role="group" aria-label="Order actions">
        {canCancel(order.status as OrderStatus) ? <button type="button" class="danger" onClick={() => act('cancel', 'Cancel requested: the saga is undoing its steps.')}>Cancel order</button> : null}
        {role === 'customer' && canRevise(order.status as OrderStatus) ? <button type="button" onClick={() => setRevising(!revising)} aria-expanded={revising}>Revise</button> : null}
        {role === 'admin' && order.status === 'PAID' ? <button type="button" class="primary" onClick={() => act('dispatch', 'Dispatch requested.')}>Dispatch now</button> : null}
        {link ? <a class="button" href={link} target="_blank" rel="noopener noreferrer">Saga in Temporal Web UI</a> : null}
      </div>
      <ErrorNote message={actionError} />
      {revising ? <ReviseForm order={order} onDone={() => { setRevising(false); void refresh(); }} /> : null}

      <div class="columns">
        <section class="card" aria-labelledby="items-title">
          <h2 id="items-title">Items</h2>
          <ul class="plain">
            {order.items.map((item) => <li key={item.productId}>{item.quantity} × {item.name} <span class="muted">({item.sku})</span> — {formatCents(item.lineTotalCents)}</li>)}
          </ul>
          <p>Total <strong>{formatCents(order.totalCents)}</strong></p>
          <p>Charged {formatCents(order.payment.chargedCents)}, refunded {formatCents(order.payment.refundedCents)}</p>
          <p class="muted">Ships to {order.shippingAddress.line1}, {order.shippingAddress.postalCode} {order.shippingAddress.city}, {order.shippingAddress.country}</p>
          <p class="muted">Placed {when(order.createdAt)}</p>
          {role === 'admin' ? <p><a href={href.adminCustomer(order.customerId)}>Customer {shortId(order.customerId)} and their credit</a></p> : null}
        </section>
        <section class="card" aria-labelledby="timeline-title">
          <h2 id="timeline-title">Timeline</h2>
          <ol class="timeline" aria-live="polite" aria-relevant="additions">
            {order.timeline.map((entry) => (
              <li key={entry.sequence} data-type={entry.type} class={`entry-${entryKind(entry.type)}`}>
                <time dateTime={entry.at}>{new Date(entry.at).toLocaleTimeString()}</time>
                <span class="entry-type">{entryPhrase(entry.type)}</span>
                <span class="muted">{entryDetails(entry)}</span>
              </li>
            ))}
          </ol>
        </section>
      </div>
    </Page>
  );
}
