// The figures of one run: printed as tables and written to RELIABILITY.md at the project root.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, type ChaosConfig } from './config';
import { ORDER_KINDS, type DriveResult, type OrderKind } from './driver';
import type { FaultRecord } from './cluster';
import type { HttpClient } from './http';
import type { Check } from './invariants';
import type { UnexpectedExit } from './processes';
import type { SecurityResult } from './security';
import type { FuzzResult } from './fuzz';
import { describeProbe } from './load-probe';
import { METRICS_FLOOD } from './limit-checks';
import { LATENCY_FACTOR, PROBE, STREAM_PROBE, STREAM_SLICES } from './stream-checks';
import { SLOW_LORIS } from './slow-loris';

export interface RunReport {
  config: ChaosConfig;
  command: string;
  startedAt: number;
  finishedAt: number;
  drive: DriveResult;
  quiescence: { ok: boolean; ms: number; open: number };
  settled: { ok: boolean; ms: number; open: number };
  faults: FaultRecord[];
  unexpectedExits: UnexpectedExit[];
  http: HttpClient;
  invariants: { checks: Check[]; figures: Record<string, number>; statuses: Map<string, string> };
  security: SecurityResult | null;
  fuzz: FuzzResult | null;
}

const table = (head: string[], rows: (string | number)[][]) => [
  `| ${head.join(' | ')} |`,
  // Numbers right-aligned, text left-aligned.
  `|${head.map((_, i) => (rows.every((r) => typeof r[i] === 'number' || r[i] === '') ? '---:' : '---')).join('|')}|`,
  ...rows.map((r) => `| ${r.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`),
].join('\n');

const pct = (values: number[], p: number) => {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** What the client saw become of its accepted revisions: "3 revised, 1 PAYMENT_DECLINED". */
function revisionOutcomes(orders: DriveResult['orders']): string {
  const counts = new Map<string, number>();
  for (const a of orders.flatMap((o) => o.actions)) {
    if (a.name !== 'revise' || a.status !== 202) continue;
    const label = !a.revise?.outcome ? 'outcome unseen' : a.revise.outcome.type === 'OrderRevised' ? 'revised' : a.revise.outcome.reason ?? 'rejected';
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  return [...counts].map(([label, n]) => `${n} ${label}`).join(', ');
}

function sections(r: RunReport) {
  const orders = r.drive.orders;
  const statusOf = (id: string | null) => (id ? r.invariants.statuses.get(id) ?? '?' : 'not placed');
  const kinds = Object.keys(ORDER_KINDS) as OrderKind[];
  const actionCount = (kind: OrderKind, name: string, status: number) => orders.filter((o) => o.kind === kind).flatMap((o) => o.actions).filter((a) => a.name === name && a.status === status).length;
  const kindRows = kinds.map((kind) => {
    const of = orders.filter((o) => o.kind === kind);
    const count = (s: string) => of.filter((o) => statusOf(o.orderId).startsWith(s)).length;
    const acts = ['cancel', 'dispatch', 'revise'].map((n) => {
      const ok = actionCount(kind, n, 202);
      const late = actionCount(kind, n, 409);
      return ok || late ? `${n} ${ok}×202${n === 'revise' && ok ? ` (${revisionOutcomes(of)})` : ''} ${late}×409` : '';
    }).filter(Boolean).join(', ');
    return [kind, of.length, count('SHIPPED'), count('REJECTED'), count('CANCELLED'), of.filter((o) => !o.orderId).length, acts || '—'];
  });
  kindRows.push(['**all**', orders.length, ...['SHIPPED', 'REJECTED', 'CANCELLED'].map((s) => orders.filter((o) => statusOf(o.orderId) === s).length), orders.filter((o) => !o.orderId).length, '']);

  const faultKinds = [...new Set(r.faults.map((f) => f.kind))];
  const faultRows = faultKinds.map((kind) => {
    const of = r.faults.filter((f) => f.kind === kind);
    const rec = of.map((f) => f.recoveredAt - f.startedAt);
    return [kind, of.length, [...new Set(of.map((f) => f.how))].join('; '), `${secs(Math.min(...rec))} – ${secs(Math.max(...rec))}`, of.every((f) => f.ok) ? 'yes' : `NO (${of.filter((f) => !f.ok).length})`];
  });
  faultRows.push(['**all**', r.faults.length, '', '', r.faults.every((f) => f.ok) ? 'yes' : 'NO']);

  const checkRows = r.invariants.checks.map((c) => [c.name, c.what, c.checked, c.passed ? 'passed' : `**FAILED** (${c.failures.length})`]);
  const passed = r.invariants.checks.filter((c) => c.passed).length;

  const fault5xx = r.http.serverErrors.filter((e) => e.fault);
  const calm5xx = r.http.serverErrors.filter((e) => !e.fault);
  const by5xx = new Map<string, number>();
  for (const e of fault5xx) by5xx.set(`${e.status} ${e.code ?? ''} during "${e.fault}"`, (by5xx.get(`${e.status} ${e.code ?? ''} during "${e.fault}"`) ?? 0) + 1);

  const latencies = orders.filter((o) => o.finalAt && o.placedAt).map((o) => o.finalAt! - o.placedAt);
  const sec = r.security;
  const secTried = sec ? sec.categories.reduce((s, c) => s + c.tried, 0) : 0;
  const secRejected = sec ? sec.categories.reduce((s, c) => s + c.rejected, 0) : 0;
  const load = sec ? sec.categories.filter((c) => sec.loadCategories.includes(c.name)) : [];
  const loadTried = load.reduce((n, c) => n + c.tried, 0);
  const loadPassed = load.reduce((n, c) => n + c.rejected, 0);
  return { kindRows, faultRows, checkRows, passed, fault5xx, calm5xx, by5xx, latencies, secTried, secRejected, loadTried, loadPassed };
}

export function printReport(r: RunReport): void {
  const s = sections(r);
  const line = '─'.repeat(100);
  console.log(`\n${line}\nOrders driven by kind\n${table(['kind', 'driven', 'SHIPPED', 'REJECTED', 'CANCELLED', 'no 202', 'client actions'], s.kindRows)}`);
  console.log(`\nFaults injected\n${table(['fault', 'count', 'how', 'back in', 'recovered'], s.faultRows)}`);
  console.log(`\nInvariants: ${s.passed}/${r.invariants.checks.length} passed\n${table(['check', 'what', 'checked', 'result'], s.checkRows)}`);
  for (const c of r.invariants.checks.filter((x) => !x.passed)) console.log(`  ✗ ${c.name}:\n${c.failures.slice(0, 10).map((f) => `      ${f}`).join('\n')}`);
  console.log(`\nHTTP (drive): ${r.http.requests} requests, ${r.http.retries} retries, ${r.http.connectionErrors} connection errors; 5xx outside fault windows: ${s.calm5xx.length}; inside: ${s.fault5xx.length}`);
  for (const [k, n] of s.by5xx) console.log(`      ${n} × ${k}`);
  for (const e of s.calm5xx.slice(0, 10)) console.log(`  ✗ 5xx outside a fault: ${e.status} ${e.code} ${e.method} ${e.path}`);
  if (r.fuzz) console.log(`\nFuzzing (Schemathesis ${r.fuzz.version}): ${r.fuzz.requests} requests over ${r.fuzz.operations} operations in ${r.fuzz.seconds} s, ${r.fuzz.serverErrors} × 5xx, ${r.fuzz.schemaViolations} schema violation(s), exit ${r.fuzz.exitCode}`);
  if (r.fuzz) for (const f of r.fuzz.failures.slice(0, 10)) console.log(`  ✗ ${f.check} ${f.operation}: ${f.detail}`);
  if (r.security) console.log(`\nSecurity: ${s.secRejected}/${s.secTried} attacks rejected\n${table(['category', 'tried', 'rejected'], r.security.categories.map((c) => [c.name, c.tried, c.rejected]))}`);
  if (r.security?.measurements.length) console.log(`\nLoad and abuse figures\n${table(['check', 'measured', 'value'], r.security.measurements.map((m) => [m.check, m.what, m.value]))}`);
  if (r.unexpectedExits.length) console.log(`\nProcesses that exited on their own: ${r.unexpectedExits.map((e) => `${e.name} (${e.code ?? e.signal})`).join(', ')}`);
  console.log(`\nOrder latency (placed → final, as the client saw it): p50 ${secs(pct(s.latencies, 50))}, p95 ${secs(pct(s.latencies, 95))}, max ${secs(pct(s.latencies, 100))}`);
  console.log(`Run time ${secs(r.finishedAt - r.startedAt)}. Command: ${r.command}\n${line}`);
}

export function writeReliabilityMd(r: RunReport): void {
  const s = sections(r);
  const allFaultsOk = r.faults.every((f) => f.ok) && r.unexpectedExits.length === 0;
  const failedChecks = r.invariants.checks.filter((c) => !c.passed);
  const failedAttacks = r.security?.attacks.filter((a) => !a.rejected) ?? [];
  const findings = [
    ...failedChecks.map((c) => `- invariant **${c.name}** failed (${c.failures.length}): ${c.failures.slice(0, 3).join('; ')}`),
    ...s.calm5xx.slice(0, 10).map((e) => `- ${e.status} ${e.code ?? ''} on ${e.method} ${e.path} outside any fault window`),
    ...s.fault5xx.filter((e) => e.status !== 503).slice(0, 10).map((e) => `- ${e.status} ${e.code ?? ''} on ${e.method} ${e.path} during "${e.fault}": a dependency outage must be 503 SERVICE_UNAVAILABLE`),
    ...(r.fuzz?.failures ?? []).slice(0, 10).map((f) => `- Schemathesis ${f.check} on ${f.operation}: ${f.detail}`),
    ...failedAttacks.map((a) => (r.security!.loadCategories.includes(a.category) ? `- load check failed: [${a.category}] ${a.name} → ${a.detail}` : `- attack not rejected: [${a.category}] ${a.name} → ${a.detail}`)),
    ...r.faults.filter((f) => !f.ok).map((f) => `- fault ${f.kind} did not recover: ${f.error}`),
    ...r.unexpectedExits.map((e) => `- ${e.name} exited on its own (${e.code ?? e.signal})`),
    ...(r.quiescence.ok ? [] : [`- not quiescent after the drive: ${r.quiescence.open} orders still open after ${secs(r.quiescence.ms)}`]),
    ...(r.settled.ok ? [] : [`- not quiescent at the end: ${r.settled.open} saga(s) or order(s) still open after ${secs(r.settled.ms)}`]),
    ...(r.fuzz?.addedRevise ? ['- POST /orders/{id}/revise (API.md) is missing from /openapi.json; the fuzzer got it added from API.md'] : []),
  ];
  const md = `# Reliability and security — figures of one run

Generated by \`npm run chaos\` (\`chaos/run.ts\`) on ${new Date(r.finishedAt).toISOString()}; the whole run took
${secs(r.finishedAt - r.startedAt)} on ${os.cpus().length} cores. Everything ran on loopback: an embedded PostgreSQL and a file-backed
Temporal dev server owned by the run, the five worker processes (\`workers/<context>.worker.ts\`) and the API
(\`api/server.ts\`) as separate processes in \`NODE_ENV=production\` with fresh secrets, \`DISPATCH_DELAY=${r.config.dispatchDelay}\`.

Reproduce with:

\`\`\`bash
${r.command}
\`\`\`

(\`CHAOS_ORDERS\`, \`CHAOS_ORDER_INTERVAL_MS\`, \`CHAOS_FAULT_CYCLES\`, \`CHAOS_FUZZ_SECONDS\`, \`CHAOS_FUZZ_EXAMPLES\`,
\`CHAOS_DISPATCH_DELAY\`, \`CHAOS_SEED\` and \`CHAOS_SKIP=fuzz,security,load,faults\` change the bounds; logs of every
process are kept in \`.data/chaos/logs/\`.)

## Verdict

| | |
|---|---:|
| orders driven | ${r.drive.orders.length} |
| faults injected | ${r.faults.length} (${allFaultsOk ? 'all recovered' : 'NOT all recovered'}) |
| invariant checks passed | ${s.passed} / ${r.invariants.checks.length} |
| 5xx outside fault windows (drive) | ${s.calm5xx.length} |
| fuzz requests sent (Schemathesis) | ${r.fuzz ? r.fuzz.requests : 'skipped'} |
| 5xx seen by the fuzzer | ${r.fuzz ? r.fuzz.serverErrors : 'skipped'} |
| schema violations seen by the fuzzer | ${r.fuzz ? r.fuzz.schemaViolations : 'skipped'} |
| attacks tried / rejected | ${r.security ? `${s.secTried} / ${s.secRejected}` : 'skipped'} |
| of which load and abuse checks passed | ${r.security?.loadCategories.length ? `${s.loadPassed} / ${s.loadTried}` : 'skipped'} |
| every order final after the drive | ${r.quiescence.ok ? `yes, ${secs(r.quiescence.ms)} after the last fault recovered` : `NO (${r.quiescence.open} open)`} |
| every saga closed at the end | ${r.settled.ok ? 'yes' : `NO (${r.settled.open} still running)`} |

## Orders driven, by kind

Each order ran its kind's script over HTTP (tokens \`tok_visa\` / \`tok_flaky\` / \`tok_decline\` / \`tok_decline_more\`,
country \`AQ\`, quantities over the stock, customers with a ${'2000'}-cent credit line, cancels, admin dispatches and
revisions). Revise kinds: one revision up or down; \`revise-chain\` up, down, up on one order; \`revise-declined\` up
with \`tok_decline_more\` (the extra charge is declined), then down; \`revise-then-cancel\` a revision, then a cancel;
\`revise-approved\` a revision sent while the order is still APPROVED (\`tok_flaky\` keeps it there longer); in this run
${r.invariants.figures.reviseSentWhileApproved ?? 0} accepted revisions of all kinds were sent while the client saw the order APPROVED.
After each accepted revision the client waits for its outcome entry before acting again. Final statuses are read
from the database; "client actions" counts the answers and, for accepted revisions, the outcome the client saw.

${table(['kind', 'driven', 'SHIPPED', 'REJECTED', 'CANCELLED', 'no 202', 'client actions'], s.kindRows)}

Order latency (placed → final, as the client saw it, faults included): p50 ${secs(pct(s.latencies, 50))},
p95 ${secs(pct(s.latencies, 95))}, max ${secs(pct(s.latencies, 100))}.

## Faults injected

While the orders flowed, in turn: \`kill -9\` of each worker process and a restart; \`kill -9\` of the API
and a restart; the Temporal dev server stopped (SIGTERM, then SIGKILL in the next cycle) and started again
on the same SQLite file and port; PostgreSQL stopped (fast shutdown, then immediate shutdown with crash
recovery in the next cycle) and started again on the same data directory. "Back in" runs from the kill
until the part serves again and the others see it (the worker's queue is polled by its new process; the
API answers \`/health/ready\`).

${table(['fault', 'count', 'how', 'back in', 'recovered'], s.faultRows)}

## Invariants (from PostgreSQL and Temporal, after quiescence)

${table(['check', 'what', 'checked', 'result'], s.checkRows)}

Besides the ${r.drive.orders.length} driven orders, the database held ${(r.invariants.figures.ordersInDb ?? 0) - r.drive.orders.filter((o) => o.orderId).length} orders placed by the fuzzer and the security
checks; every check above covers them too. Other figures: ${Object.entries(r.invariants.figures).map(([k, v]) => `${k} ${v}`).join(', ')}.

## HTTP seen by the driving client

${r.http.requests} requests, ${r.http.retries} retries (only safe ones: reads, POST /orders with its
Idempotency-Key, cancel, dispatch; anything else only when the connection was refused),
${r.http.connectionErrors} connection errors. **5xx outside fault windows: ${s.calm5xx.length}.** 5xx inside a fault
window (the fault until 5 s after recovery): ${s.fault5xx.length}${s.by5xx.size ? ':' : '.'}
${[...s.by5xx].map(([k, n]) => `- ${n} × ${k}`).join('\n')}

## API fuzzing (Schemathesis)

${r.fuzz ? `Schemathesis ${r.fuzz.version} against \`/openapi.json\` of the running API, as a customer, phases examples,
coverage, fuzzing and stateful, checks \`not_a_server_error\` and \`response_schema_conformance\`:

\`\`\`
${r.fuzz.command}
\`\`\`

| | |
|---|---:|
| operations | ${r.fuzz.operations} |
| requests sent | ${r.fuzz.requests} |
| responses by class | ${Object.entries(r.fuzz.statusClasses).map(([k, v]) => `${k}: ${v}`).join(', ')} |
| 5xx | ${r.fuzz.serverErrors} |
| schema violations | ${r.fuzz.schemaViolations} |
| time | ${r.fuzz.seconds} s |
${r.fuzz.addedRevise ? '\n`POST /orders/{id}/revise` is listed in API.md but missing from `/openapi.json`; the run adds it (from API.md) to the document it gives the fuzzer, together with example ids of a real product and order.\n' : ''}${r.fuzz.failures.length ? `\nFailures:\n${r.fuzz.failures.map((f) => `- ${f.check} on ${f.operation}: ${f.detail}`).join('\n')}\n` : ''}` : 'Skipped in this run.'}

## Security checks

${r.security ? `${table(['category', 'tried', 'rejected'], [...r.security.categories.map((c) => [c.name, c.tried, c.rejected]), ['**all**', s.secTried, s.secRejected]])}

"published v1 secret": well-formed customer and admin tokens of real accounts, signed with the development secret
v1 published, on \`/customers/me\`, \`/orders\`, \`/metrics\` and \`/customers/:id\`, and that secret itself as the
\`/metrics\` bearer token: each must be 401.

${r.security.loadCategories.length ? `"rejected" counts attacks that failed; for the load and abuse categories (${r.security.loadCategories.join(', ')})
it counts checks that passed.

### Load and abuse checks

Each check is pass/fail and requires no 5xx. They run after the other attacks, in the order listed.

- **SSE stream caps**: 50 accounts of their own (registered and logged in over the API), each with one open order:
  the orders worker is frozen with SIGSTOP meanwhile, because a final order's stream replays and closes at once;
  it is resumed (SIGCONT) after the slow-loris window, those orders then complete, and every invariant above
  covers them. 20 attempts per account, 1 000 in all, every opened stream held open: the first 30
  accounts (the process has room) must get exactly ${r.security.limits.streamsPerCustomer} each, the other 20 only what is left under the process
  cap, lowered to ${r.security.limits.streamsPerProcess} in this cluster (default 1 000) so that 50 × ${r.security.limits.streamsPerCustomer} reaches it; every refusal is 429
  \`TOO_MANY_STREAMS\` problem+json with \`Retry-After\`. GET /orders/:id is probed (${describeProbe(STREAM_PROBE)},
  open loop from a thread of its own, each latency timed from when the request was due) while the attempts arrive
  in ${STREAM_SLICES.on} slices of ${STREAM_SLICES.ms / 1000} s that alternate with ${STREAM_SLICES.on + 1} slices of the same length without attempts (the opened
  streams stay held throughout): the p99 of the requests due in attempt slices must be within ${LATENCY_FACTOR}× of the p99 of those
  due in the slices between (the first ${STREAM_SLICES.guardMs} ms of every slice count for neither). Interleaving, rather than a window
  before and a window during, lets a drift or stall of this shared two-core machine fall on both sides alike. Then every
  stream is closed and a new one must open. For scale, not judged: the same probe just before any stream was open
  (${describeProbe(PROBE)}), and once more while plain GET /orders/:id arrive at the attempts' pace (what any such load
  does to the p99 here), and the API's event-loop delay (its own \`/metrics\`) per window.
- **slow-loris on SSE**: ${SLOW_LORIS.connections} connections send a stream request one byte every ${SLOW_LORIS.byteEveryMs} ms (never completing) while
  ${SLOW_LORIS.neverReadPerAccount * 50} streams are opened and never read (socket paused), held ${SLOW_LORIS.holdMs / 1000} s; the same probe of GET /orders/:id runs meanwhile
  and must be answered 200 throughout (its p99 is reported). The trickling connections then go on, through the floods below,
  until the server has cut them all (headersTimeout 15 s, enforced by a sweep every 30 s: at most ${SLOW_LORIS.cutWithinMs / 1000} s). The API's
  VmRSS (\`/proc/<pid>/status\`, sampled every 250 ms while the connections are held) must grow less than ${SLOW_LORIS.rssGrowthMb} MB.
- **/metrics flood**: ${METRICS_FLOOD.scrapes} scrapes at concurrency ${METRICS_FLOOD.concurrency}, half with \`METRICS_TOKEN\` (→ 200, Prometheus text), half with
  none or a wrong one (→ 401 without figures); the authorized scrapes' p99 must stay under ${METRICS_FLOOD.p99BoundMs} ms.
- **register flood**: 100 registrations from one client address (\`X-Forwarded-For\`, trusted from loopback only):
  at most \`REGISTER_RATE_LIMIT\` (${r.security.limits.registerPerMinute}) a minute succeed, the rest are 429 \`RATE_LIMITED\` with \`Retry-After\`, and
  no customer or credit line exists for them.
- **address rotation**: that address (limited on register) and one limited on token after \`TOKEN_RATE_LIMIT\`
  (${r.security.limits.tokenPerMinute}) wrong logins; then 2 000 new IPv4 addresses send one register and one token request each (invalid
  bodies: counted all the same, nothing hashed or stored), each must be counted on its own, and both limited
  addresses must stay 429 with their window not restarted. 300 addresses inside one IPv6 /64 share one limit;
  an address in the next /64 has its own.

${table(['check', 'measured', 'value'], r.security.measurements.map((m) => [m.check, m.what, m.value]))}
` : ''}
<details><summary>Every attack and the answer it got</summary>

${table(['category', 'attack', 'rejected', 'answer'], r.security.attacks.map((a) => [a.category, a.name, a.rejected ? 'yes' : '**NO**', a.detail]))}

</details>` : 'Skipped in this run.'}

## Findings of this run

${findings.length ? findings.join('\n') : 'None: every invariant held, no 5xx outside fault windows, the fuzzer found nothing and every attack was rejected.'}
`;
  writeFileSync(path.join(ROOT, 'RELIABILITY.md'), md);
}
