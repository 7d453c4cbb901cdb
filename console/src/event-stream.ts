// The order's live timeline (GET /orders/:id/events) read with fetch() rather than EventSource:
// EventSource cannot send the Authorization header the API requires, so this module parses the
// text/event-stream itself and resumes a dropped stream with Last-Event-ID, as EventSource would.
import { FINAL_ENTRY_TYPES, type TimelineEntry } from './saga-steps';

export interface SseMessage { id?: string; event: string; data: string }

/** An incremental text/event-stream parser (the WHATWG rules the API's stream uses): feed it text as it arrives. */
export function createSseParser(onMessage: (message: SseMessage) => void): (chunk: string) => void {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  const dispatch = () => {
    if (data.length > 0) onMessage({ ...(id !== undefined ? { id } : {}), event: event || 'message', data: data.join('\n') });
    data = [];
    event = '';
    id = undefined;
  };
  return (chunk) => {
    buffer += chunk;
    for (let end = buffer.search(/\r\n|\r|\n/); end >= 0; end = buffer.search(/\r\n|\r|\n/)) {
      // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
      if (buffer[end] === '\r' && end === buffer.length - 1) break;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      if (line === '') { dispatch(); continue; }
      if (line.startsWith(':')) continue; // a comment: the heartbeat
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') data.push(value);
      else if (field === 'event') event = value;
      else if (field === 'id' && !value.includes('\0')) id = value;
    }
  };
}

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'stopped';

export interface FollowOptions {
  url: string;
  /** The bearer token at the moment of (re)connecting; null stops following. */
  token: () => string | null;
  /** The sequence of the last entry the page already shows: the stream replays only what follows. */
  lastEventId: number;
  onEntry: (entry: TimelineEntry) => void;
  onState?: (state: StreamState, why?: string) => void;
  signal: AbortSignal;
  fetch?: typeof fetch;
  /** Waits between reconnection attempts; the last one repeats. */
  retryDelaysMs?: readonly number[];
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

/**
 * Follows the stream until the entry that makes the order final (the server then closes it), the
 * signal aborts, or the API refuses for good (401, 403, 404). Any other end — a dropped connection,
 * a 5xx, 429 TOO_MANY_STREAMS — reconnects after a pause, asking only for entries after the last one seen.
 */
export async function followOrderEvents(options: FollowOptions): Promise<void> {
  const { signal, onState = () => {} } = options;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const delays = options.retryDelaysMs ?? [500, 1000, 2000, 5000];
  let lastEventId = options.lastEventId;
  let failures = 0;
  let ended = false;

  while (!signal.aborted) {
    const token = options.token();
    if (!token) return onState('stopped', 'signed out');
    onState(failures === 0 ? 'connecting' : 'reconnecting');
    let wait = delays[Math.min(failures, delays.length - 1)]!;
    let why: string | undefined;
    try {
      const response = await doFetch(options.url, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream', ...(lastEventId > 0 ? { 'Last-Event-ID': String(lastEventId) } : {}) },
        signal,
        cache: 'no-store',
      });
      if ([401, 403, 404].includes(response.status)) return onState('stopped', response.status === 401 ? 'your session has expired' : 'not available');
      if (response.status === 429) {
        wait = Math.max(wait, Number(response.headers.get('Retry-After') ?? 5) * 1000);
        why = 'too many live views are open; close another order\'s page';
      }
      if (response.ok && response.body) {
        onState('live');
        const parse = createSseParser((message) => {
          if (!message.id) return;
          const entry = JSON.parse(message.data) as TimelineEntry;
          lastEventId = Number(message.id);
          failures = 0; // it delivered: the next drop starts the back-off afresh
          options.onEntry(entry);
          if (FINAL_ENTRY_TYPES.includes(entry.type)) ended = true;
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parse(value);
        }
        if (ended) return onState('ended');
      }
    } catch (error) {
      if (signal.aborted) break;
      void error; // a dropped connection or an unreachable API: try again below
    }
    if (ended) return onState('ended');
    failures++;
    onState('reconnecting', why);
    await sleep(wait, signal);
  }
  onState('stopped', 'left the page');
}
