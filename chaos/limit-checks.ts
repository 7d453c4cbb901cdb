// Floods the limits must absorb: /metrics scraped hard (half without credentials), registrations
// from one address, and addresses rotated to dodge the per-address limits of /auth/register and
// /auth/token — IPv4 addresses by the thousand, and many addresses inside one IPv6 /64. The client
// is on loopback, which the API trusts to forward a client address (X-Forwarded-For).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { fiveXx, type AbuseContext } from './abuse';
import { ms, percentile, pool, problemOf, request, statusList, type PlainReply } from './load-probe';

export const METRICS_FLOOD = { scrapes: 500, concurrency: 20, p99BoundMs: 1000 };
const REGISTER_FLOOD = 100;
const ROTATING_ADDRESSES = 2000;
const SAME_SLASH_64 = 300;

const tally = (replies: PlainReply[]) => {
  const statuses: Record<string, number> = {};
  for (const r of replies) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return statusList(statuses);
};

export async function checkMetricsFlood(ctx: AbuseContext): Promise<void> {
  const category = '/metrics flood';
  const { metricsToken } = ctx;
  // Even requests carry the scraper's token; odd ones none or a wrong one, alternately.
  const headersOf = (i: number): Record<string, string> => (i % 2 === 0 ? { authorization: `Bearer ${metricsToken}` } : i % 4 === 1 ? {} : { authorization: `Bearer wrong-${metricsToken}` });
  const started = performance.now();
  const replies = await pool(METRICS_FLOOD.scrapes, METRICS_FLOOD.concurrency, (i) => request(ctx.baseUrl, 'GET', '/metrics', { headers: headersOf(i) }));
  const took = performance.now() - started;
  const authorized = replies.filter((_, i) => i % 2 === 0);
  const anonymous = replies.filter((_, i) => i % 2 === 1);
  const wellFormed = authorized.filter((r) => r.status === 200 && /^text\/plain/.test(String(r.headers['content-type'])) && r.body.includes('saga_orders_orders{'));
  const refusedRight = anonymous.filter((r) => r.status === 401 && problemOf(r.body).code === 'UNAUTHENTICATED' && !r.body.includes('saga_orders'));
  const times = authorized.map((r) => r.ms);
  const p50 = percentile(times, 50);
  const p99 = percentile(times, 99);
  ctx.record(category, `${METRICS_FLOOD.scrapes} scrapes at concurrency ${METRICS_FLOOD.concurrency}: no 5xx`, replies.every((r) => r.status > 0 && r.status < 500), `${tally(replies)}, ${fiveXx(replies.map((r) => r.status))}`);
  ctx.record(category, `${anonymous.length} without the token (none or a wrong one) → 401, no figures`, refusedRight.length === anonymous.length, `${refusedRight.length} × 401 UNAUTHENTICATED; others: ${tally(anonymous.filter((r) => !refusedRight.includes(r))) || 'none'}`);
  ctx.record(category, `${authorized.length} with METRICS_TOKEN → 200 Prometheus text`, wellFormed.length === authorized.length, `${wellFormed.length} × 200 with saga_orders_orders; ${tally(authorized)}`);
  ctx.record(category, `authorized scrape p99 ≤ ${METRICS_FLOOD.p99BoundMs} ms under the flood`, p99 <= METRICS_FLOOD.p99BoundMs, `p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(Math.max(...times))}`);
  ctx.measure('/metrics flood', `${METRICS_FLOOD.scrapes} scrapes at concurrency ${METRICS_FLOOD.concurrency} in ${ms(took)}: authorized ones`, `p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(Math.max(...times))}`);
}

async function customersWithEmails(databaseUrl: string, emails: string[]): Promise<{ customers: number; creditLines: number }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ customers: string; lines: string }>(
      'SELECT count(*) AS customers, count(l.customer_id) AS lines FROM customers c LEFT JOIN credit_lines l ON l.customer_id = c.id WHERE c.email = ANY($1)', [emails]);
    return { customers: Number(rows[0]!.customers), creditLines: Number(rows[0]!.lines) };
  } finally {
    await client.end();
  }
}

const post = (ctx: AbuseContext, path: string, address: string, body: unknown) =>
  request(ctx.baseUrl, 'POST', path, { headers: { 'X-Forwarded-For': address }, body: JSON.stringify(body) });
const retryAfterOf = (r: PlainReply) => Number(r.headers['retry-after'] ?? 0);
const limited = (r: PlainReply) => r.status === 429 && problemOf(r.body).code === 'RATE_LIMITED' && retryAfterOf(r) > 0 && retryAfterOf(r) <= 60;

/** Register flood from one address, then address rotation against that address and a token-limited one. */
export async function checkAuthFloods(ctx: AbuseContext): Promise<void> {
  const { registerPerMinute, tokenPerMinute } = ctx.limits;
  // Addresses of their own (documentation ranges), so no other check's counts mix in.
  const flooder = '198.51.100.23';
  const guesser = '198.51.100.42';

  // ── one address, 100 registrations ───────────────────────────────────
  const tag = randomUUID().slice(0, 8);
  const emails = Array.from({ length: REGISTER_FLOOD }, (_, i) => `chaos-flood-${tag}-${i}@example.com`);
  const regs = await pool(REGISTER_FLOOD, 10, (i) => post(ctx, '/auth/register', flooder, { email: emails[i], password: 'password-123', name: `Flood ${i}` }));
  const created = regs.filter((r) => r.status === 201);
  const refused = regs.filter((r) => r.status !== 201);
  const stored = await customersWithEmails(ctx.databaseUrl, emails);
  const refusedStored = await customersWithEmails(ctx.databaseUrl, emails.filter((_, i) => regs[i]!.status !== 201));
  ctx.record('register flood', `${REGISTER_FLOOD} registrations from one address: at most ${registerPerMinute} succeed`, created.length <= registerPerMinute && created.length > 0, `${tally(regs)}`);
  ctx.record('register flood', 'the rest: 429 RATE_LIMITED with Retry-After (1..60 s), no 5xx', refused.every(limited), `${refused.filter(limited).length}/${refused.length} as specified, Retry-After ${[...new Set(refused.map(retryAfterOf))].slice(0, 5).join(', ')}; ${fiveXx(regs.map((r) => r.status))}`);
  ctx.record('register flood', 'nothing else created', stored.customers === created.length && stored.creditLines === created.length && refusedStored.customers === 0,
    `${stored.customers} customers and ${stored.creditLines} credit lines with these emails for ${created.length} × 201; ${refusedStored.customers} of the refused emails exist`);

  // ── a second address runs out of /auth/token attempts ─────────────────
  const guesses = await pool(tokenPerMinute + 5, 5, (i) => post(ctx, '/auth/token', guesser, { email: `nobody-${tag}-${i}@example.com`, password: 'guess-guess-guess' }));
  const guessesLimited = guesses.filter(limited).length;
  ctx.record('address rotation', `${guesses.length} wrong logins from one address: limited after ${tokenPerMinute}`, guesses.filter((r) => r.status === 401).length === tokenPerMinute && guessesLimited === 5, tally(guesses));

  // ── 2 000 rotating addresses try to push those counts out ────────────
  const before = await post(ctx, '/auth/register', flooder, { email: `chaos-flood-${tag}-x@example.com`, password: 'password-123', name: 'x' });
  const rotating = (i: number) => `100.64.${i >> 8}.${i & 255}`;
  // Invalid bodies: the limiter counts them all the same, and nothing is hashed or stored.
  const rotated = await pool(ROTATING_ADDRESSES * 2, 20, (i) => (i % 2 === 0
    ? post(ctx, '/auth/register', rotating(i >> 1), { email: `rot-${tag}-${i}@example.com`, password: 'short', name: 'r' })
    : post(ctx, '/auth/token', rotating(i >> 1), { email: `rot-${tag}-${i}@example.com` })));
  const after = await post(ctx, '/auth/register', flooder, { email: `chaos-flood-${tag}-y@example.com`, password: 'password-123', name: 'y' });
  const tokenAfter = await post(ctx, '/auth/token', guesser, { email: `nobody-${tag}@example.com`, password: 'guess-guess-guess' });
  const rotatedOwn = rotated.filter((r) => r.status === 400).length;
  ctx.record('address rotation', `${ROTATING_ADDRESSES} new addresses × (register + token): each counted on its own, no 5xx`, rotatedOwn === rotated.length, `${tally(rotated)}`);
  ctx.record('address rotation', 'the register-limited address stays limited (its window not restarted)', limited(before) && limited(after) && retryAfterOf(after) <= retryAfterOf(before),
    `before: ${before.status} Retry-After ${retryAfterOf(before)}; after: ${after.status} Retry-After ${retryAfterOf(after)}`);
  ctx.record('address rotation', 'the token-limited address stays limited', limited(tokenAfter), `${tokenAfter.status} ${problemOf(tokenAfter.body).code ?? ''}, Retry-After ${retryAfterOf(tokenAfter)}`);

  // ── 300 addresses inside one IPv6 /64 share one count ─────────────────
  const inside = await pool(SAME_SLASH_64, 10, (i) => post(ctx, '/auth/register', `2001:db8:c4a0:${tag.slice(0, 4)}::${(i + 1).toString(16)}`, { email: `v6-${tag}-${i}@example.com`, password: 'short', name: 'v6' }));
  const neighbour = await post(ctx, '/auth/register', `2001:db8:c4a1:${tag.slice(0, 4)}::1`, { email: `v6-${tag}-n@example.com`, password: 'short', name: 'v6' });
  const passedInside = inside.filter((r) => r.status !== 429).length;
  ctx.record('address rotation', `${SAME_SLASH_64} addresses in one IPv6 /64 → one limit of ${registerPerMinute}`, passedInside === registerPerMinute && inside.filter(limited).length === SAME_SLASH_64 - registerPerMinute, tally(inside));
  ctx.record('address rotation', 'an address in the next /64 has its own count', neighbour.status === 400, `${neighbour.status} ${problemOf(neighbour.body).code ?? ''}`);
  ctx.measure('auth floods', `${REGISTER_FLOOD} registrations from one address`, `${created.length} created, ${refused.length} refused (${registerPerMinute}/min)`);
  ctx.measure('auth floods', `${ROTATING_ADDRESSES} rotating IPv4 addresses, ${ROTATING_ADDRESSES * 2} requests`, `${tally(rotated)}; limited address Retry-After ${retryAfterOf(before)} s → ${retryAfterOf(after)} s`);
  ctx.measure('auth floods', `${SAME_SLASH_64} addresses of one IPv6 /64`, tally(inside));
}
