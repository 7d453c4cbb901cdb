import { createSseParser, followOrderEvents, type SseMessage, type StreamState } from './event-stream';

describe('createSseParser', () => {
  it('when a stream arrives in arbitrary chunks, then each message is delivered once, whole, with its id and event', () => {
    const messages: SseMessage[] = [];
    const parse = createSseParser((m) => messages.push(m));
    const text = 'id: 1\nevent: OrderPlaced\ndata: {"a":1}\n\n: keep-alive\n\nid: 2\r\nevent: OrderApproved\r\ndata: {"b":\r\ndata: 2}\r\n\r\n';
    for (const ch of text) parse(ch); // the worst case: one character at a time
    expect(messages).toEqual([
      { id: '1', event: 'OrderPlaced', data: '{"a":1}' },
      { id: '2', event: 'OrderApproved', data: '{"b":\n2}' },
    ]);
  });

  it('when a message has no data, then nothing is dispatched; without event, the type is "message"', () => {
    const messages: SseMessage[] = [];
    const parse = createSseParser((m) => messages.push(m));
    parse('id: 3\n\ndata:x\n\n');
    expect(messages).toEqual([{ event: 'message', data: 'x' }]);
  });
});

/** A fetch whose answers are scripted: each call takes the next; records the headers it was sent. */
function scriptedFetch(answers: (() => Response)[]) {
  const calls: Record<string, string>[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    calls.push(init.headers as Record<string, string>);
    const next = answers.shift();
    if (!next) throw new Error('no more answers');
    return next();
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}
const sse = (...entries: { sequence: number; type: string }[]) => () => new Response(
  entries.map((e) => `id: ${e.sequence}\nevent: ${e.type}\ndata: ${JSON.stringify({ ...e, at: '2026-01-01T00:00:00Z', data: {} })}\n\n`).join(''),
  { status: 200, headers: { 'Content-Type': 'text/event-stream' } },
);

describe('followOrderEvents', () => {
  it('when the connection drops before the order is final, then it reconnects with Last-Event-ID and ends after the final entry', async () => {
    const { fetch, calls } = scriptedFetch([
      sse({ sequence: 4, type: 'OrderApproved' }, { sequence: 5, type: 'PaymentCharged' }),
      () => { throw new TypeError('network error'); },
      sse({ sequence: 6, type: 'OrderPaid' }, { sequence: 9, type: 'OrderShipped' }),
    ]);
    const seen: number[] = [];
    const states: StreamState[] = [];
    await followOrderEvents({
      url: '/orders/x/events', token: () => 'tok', lastEventId: 3, fetch, signal: new AbortController().signal, retryDelaysMs: [1],
      onEntry: (e) => seen.push(e.sequence), onState: (s) => states.push(s),
    });
    expect(seen).toEqual([4, 5, 6, 9]);
    expect(calls.map((h) => h['Last-Event-ID'])).toEqual(['3', '5', '5']);
    expect(calls.every((h) => h.Authorization === 'Bearer tok')).toBe(true);
    expect(states.at(-1)).toBe('ended');
    expect(states).toContain('reconnecting');
  });

  it('when the API refuses the token (401), then it stops without retrying', async () => {
    const { fetch, calls } = scriptedFetch([() => new Response('{}', { status: 401 })]);
    const states: [StreamState, string?][] = [];
    await followOrderEvents({ url: '/e', token: () => 'tok', lastEventId: 0, fetch, signal: new AbortController().signal, onEntry: () => {}, onState: (s, why) => states.push([s, why]) });
    expect(calls).toHaveLength(1);
    expect(calls[0]!['Last-Event-ID']).toBeUndefined();
    expect(states.at(-1)).toEqual(['stopped', 'your session has expired']);
  });

  it('when there are too many streams (429), then it says so, waits and tries again', async () => {
    const { fetch, calls } = scriptedFetch([
      () => new Response('{}', { status: 429, headers: { 'Retry-After': '0' } }),
      sse({ sequence: 2, type: 'OrderRejected' }),
    ]);
    const states: [StreamState, string?][] = [];
    await followOrderEvents({ url: '/e', token: () => 'tok', lastEventId: 1, fetch, signal: new AbortController().signal, retryDelaysMs: [1], onEntry: () => {}, onState: (s, why) => states.push([s, why]) });
    expect(calls).toHaveLength(2);
    expect(states).toContainEqual(['reconnecting', expect.stringContaining('too many live views')]);
    expect(states.at(-1)).toEqual(['ended', undefined]);
  });

  it('when the page is left (abort), then it stops following', async () => {
    const abort = new AbortController();
    const { fetch } = scriptedFetch([() => { abort.abort(); throw new DOMException('aborted', 'AbortError'); }]);
    const states: StreamState[] = [];
    await followOrderEvents({ url: '/e', token: () => 'tok', lastEventId: 1, fetch, signal: abort.signal, onEntry: () => {}, onState: (s) => states.push(s) });
    expect(states.at(-1)).toBe('stopped');
  });
});
