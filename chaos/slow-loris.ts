// Slow-loris on the event streams, on the stream check's accounts: 200 connections trickle a stream
// request one byte at a time (never completing it) while 100 streams are opened and never read (the
// socket paused: whatever the server writes stays unread). Meanwhile GET /orders/:id must be served
// as usual and the API's memory must stay flat; in the end the server must have cut every trickling
// connection (headersTimeout) — an SSE response is long-lived, its request is not.
import net from 'node:net';
import { sleep } from './config';
import type { AbuseContext, StreamAccount } from './abuse';
import { describeProbe, ms, probeWithDelay, request, rssMb, type Latency } from './load-probe';
import { PROBE, streamOpensAgain } from './stream-checks';

/**
 * headersTimeout (15 s) is enforced by a sweep every 30 s (Node's connectionsCheckingInterval), so a
 * trickling connection is cut 15–45 s after it opened: `cutWithinMs` waits that long at most.
 */
export const SLOW_LORIS = { connections: 200, byteEveryMs: 500, holdMs: 20_000, cutWithinMs: 47_000, neverReadPerAccount: 2, rssGrowthMb: 100 };

interface SlowSocket { socket: net.Socket; answer: string; closedAt: number | null }

/** A connection that sends `text` one byte every `everyMs`, never the last two bytes. */
function trickle(baseUrl: string, text: string, everyMs: number): SlowSocket {
  const url = new URL(baseUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  const slow: SlowSocket = { socket, answer: '', closedAt: null };
  let i = 0;
  const timer = setInterval(() => {
    if (i >= text.length - 2 || !socket.writable) return void clearInterval(timer);
    socket.write(text[i++]!);
  }, everyMs);
  socket.on('data', (d) => { slow.answer += d.toString(); });
  socket.on('close', () => { clearInterval(timer); slow.closedAt ??= Date.now(); });
  socket.on('error', () => undefined);
  return slow;
}

/** A stream request sent whole, then never read: the socket is paused right after the request. */
function neverRead(baseUrl: string, a: StreamAccount): SlowSocket {
  const url = new URL(baseUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  const slow: SlowSocket = { socket, answer: '', closedAt: null };
  socket.on('connect', () => {
    socket.write(`GET /orders/${a.orderId}/events HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${a.token}\r\nAccept: text/event-stream\r\n\r\n`);
    socket.pause();
  });
  socket.on('data', (d) => { slow.answer += d.toString(); });
  socket.on('close', () => { slow.closedAt ??= Date.now(); });
  socket.on('error', () => undefined);
  return slow;
}

const statusOf = (s: SlowSocket) => Number(/^HTTP\/1\.1 (\d{3})/.exec(s.answer)?.[1] ?? 0);

/** The slow-loris still running: its trickling connections go on until the server cuts them. */
export interface SlowLoris { trickling: SlowSocket[]; openedAt: number; rssBefore: number | null; rssPeak: number; stopSampling: () => void; apiPid: () => number | undefined }

/**
 * Opens the trickling and the unread connections, probes GET /orders/:id and samples the API's
 * memory for `holdMs`, then closes the unread streams (the sagas may go on afterwards). The trickling
 * connections are left running: finishSlowLoris() checks that the server cut them.
 */
export async function startSlowLoris(ctx: AbuseContext, accounts: StreamAccount[], before: Latency | null, apiPid: () => number | undefined): Promise<SlowLoris | null> {
  const category = 'slow-loris on SSE';
  if (!accounts.length) return null;
  const targets = accounts.map((a) => ({ path: `/orders/${a.orderId}`, token: a.token }));
  const rssBefore = rssMb(apiPid());
  const openedAt = Date.now();
  const trickling: SlowSocket[] = [];
  for (let i = 0; i < SLOW_LORIS.connections; i++) {
    const a = accounts[i % accounts.length]!;
    trickling.push(trickle(ctx.baseUrl, `GET /orders/${a.orderId}/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${a.token}\r\nAccept: text/event-stream\r\n\r\n`, SLOW_LORIS.byteEveryMs));
    if (i % 20 === 19) await sleep(50);
  }
  const silent = accounts.flatMap((a) => Array.from({ length: SLOW_LORIS.neverReadPerAccount }, () => neverRead(ctx.baseUrl, a)));
  const loris: SlowLoris = { trickling, openedAt, rssBefore, rssPeak: rssBefore ?? 0, stopSampling: () => undefined, apiPid };
  const sampler = setInterval(() => { loris.rssPeak = Math.max(loris.rssPeak, rssMb(apiPid()) ?? 0); }, 250);
  loris.stopSampling = () => clearInterval(sampler);
  await sleep(1000);
  const during = await probeWithDelay(ctx.baseUrl, ctx.metricsToken, targets, PROBE);
  await sleep(Math.max(0, openedAt + SLOW_LORIS.holdMs - Date.now()));
  loris.stopSampling();
  const heldMs = Date.now() - openedAt;
  const silentOpen = silent.filter((s) => s.closedAt === null).length;

  // Only now read what the unread streams were sent (their status line), then hang up on them.
  for (const s of silent) s.socket.resume();
  await sleep(300);
  const silentStatuses = silent.map(statusOf);
  for (const s of silent) s.socket.destroy();

  const silentOk = silentStatuses.filter((s) => s === 200).length;
  ctx.record(category, `GET /orders/:id served meanwhile (${describeProbe(PROBE)})`, during.ok === during.requests, `${during.ok}/${during.requests} answered 200; p99 ${ms(during.p99)}`);
  ctx.record(category, `${silent.length} streams never read (socket paused) held without harm, no 5xx`, silentOk === silent.length && silentOpen === silent.length,
    `${silentOk} answered 200${silentStatuses.some((s) => s !== 200) ? ` (others: ${silentStatuses.filter((s) => s !== 200).join(', ')})` : ''}, ${silentOpen} still open after ${(heldMs / 1000).toFixed(0)} s`);
  ctx.measure(category, `GET /orders/:id while ${SLOW_LORIS.connections} connections trickle headers (a byte every ${SLOW_LORIS.byteEveryMs} ms) and ${silent.length} streams are never read (${describeProbe(PROBE)})`,
    `p50 ${ms(during.p50)}, p99 ${ms(during.p99)}, max ${ms(during.max)}${during.loopMax === null ? '' : `; API event-loop delay max ${ms(during.loopMax)}`}${before ? ` (p99 ${(during.p99 / before.p99).toFixed(2)}× the p99 just before the stream attempts)` : ''}`);
  return loris;
}

/** Waits until the server has cut every trickling connection (or the sweep's worst case passed). */
export async function finishSlowLoris(ctx: AbuseContext, loris: SlowLoris | null, accounts: StreamAccount[]): Promise<void> {
  const category = 'slow-loris on SSE';
  if (!loris) return;
  const { trickling } = loris;
  while (trickling.some((s) => s.closedAt === null) && Date.now() < loris.openedAt + SLOW_LORIS.cutWithinMs) await sleep(250);
  const cut = trickling.filter((s) => s.closedAt !== null);
  const cutAfter = cut.map((s) => (s.closedAt! - loris.openedAt) / 1000);
  const statuses = trickling.map(statusOf);
  for (const s of trickling) s.socket.destroy();
  await sleep(1000);
  const rssAfter = rssMb(loris.apiPid());
  const again = await streamOpensAgain(ctx.baseUrl, accounts[0]!);
  const ready = await request(ctx.baseUrl, 'GET', '/health/ready');
  const answered = statuses.filter((s) => s > 0);

  ctx.record(category, `the server cuts all ${trickling.length} trickling connections (headersTimeout), no 5xx`, cut.length === trickling.length && answered.every((s) => s < 500),
    `${cut.length} cut after ${cut.length ? `${Math.min(...cutAfter).toFixed(0)}–${Math.max(...cutAfter).toFixed(0)} s` : '—'}; answers: ${answered.length ? [...new Set(answered)].map((s) => `${answered.filter((x) => x === s).length}×${s}`).join(', ') : 'none'}`);
  const growth = loris.rssBefore !== null ? loris.rssPeak - loris.rssBefore : null;
  ctx.record(category, `API memory (VmRSS) grows < ${SLOW_LORIS.rssGrowthMb} MB while all ${SLOW_LORIS.connections + SLOW_LORIS.neverReadPerAccount * accounts.length} connections are held`, growth !== null && growth < SLOW_LORIS.rssGrowthMb,
    growth === null ? 'API pid or /proc not readable' : `${loris.rssBefore!.toFixed(0)} MB before, ${loris.rssPeak.toFixed(0)} MB peak, ${rssAfter?.toFixed(0) ?? '?'} MB once all were closed`);
  ctx.record(category, 'afterwards: a new stream opens and /health/ready answers', again === 200 && ready.status === 200, `stream ${again}, /health/ready ${ready.status}`);
  ctx.measure(category, 'trickling connections cut by the server (headersTimeout 15 s, swept every 30 s)', `${cut.length} / ${trickling.length}${cut.length ? `, ${Math.min(...cutAfter).toFixed(0)}–${Math.max(...cutAfter).toFixed(0)} s after opening` : ''}`);
  ctx.measure(category, 'API VmRSS before / peak while held / after all closed', loris.rssBefore === null ? 'not readable' : `${loris.rssBefore.toFixed(0)} / ${loris.rssPeak.toFixed(0)} / ${rssAfter?.toFixed(0) ?? '?'} MB`);
}
