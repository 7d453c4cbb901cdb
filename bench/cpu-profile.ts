// Summarises V8 CPU profiles by package: where a process spends its CPU (Prisma, pg, Express,
// jsonwebtoken, pino, Temporal's SDK, our own code, GC). Profiles come from a bench run with
// BENCH_CPU_PROFILE=1, which starts the API and worker processes with --cpu-prof.
//   node --import tsx bench/cpu-profile.ts .data/bench/cpu/*.cpuprofile
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export function category(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const root = path.resolve(__dirname, '..');
  const file = url.replace(/^file:\/\//, '');
  if (file.startsWith(root)) {
    const relative = path.relative(root, file);
    return relative.startsWith('generated') ? 'generated prisma client' : `app: ${relative.split(path.sep)[0]}/`;
  }
  return 'other';
}

const GENERIC = new Set(['node internals', '(native)', 'other']);

/**
 * Self time per category, where time in Node internals and native code (socket writes, crypto,
 * timers) is charged to the nearest package or app frame that called it.
 */
export function summarise(profile: CpuProfile): { totalMs: number; busyMs: number; rows: { category: string; ms: number; pct: number }[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const charged = new Map<number, string>();
  const chargeOf = (id: number): string => {
    const known = charged.get(id);
    if (known) return known;
    const node = byId.get(id)!;
    let key = category(node.callFrame.url, node.callFrame.functionName);
    if (GENERIC.has(key)) {
      for (let up = parent.get(id); up !== undefined; up = parent.get(up)) {
        const upper = byId.get(up)!;
        const k = category(upper.callFrame.url, upper.callFrame.functionName);
        if (!GENERIC.has(k) && !k.startsWith('(')) { key = `${k} (incl. native/node)`; break; }
      }
    }
    charged.set(id, key);
    return key;
  };
  const selfMs = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const key = chargeOf(id);
    selfMs.set(key, (selfMs.get(key) ?? 0) + ms);
  });
  // Charged and own time of a package are reported together.
  for (const [k, v] of [...selfMs.entries()]) {
    if (!k.endsWith(' (incl. native/node)')) continue;
    const base = k.slice(0, -' (incl. native/node)'.length);
    selfMs.set(base, (selfMs.get(base) ?? 0) + v);
    selfMs.delete(k);
  }
  const busy = total - (selfMs.get('(idle)') ?? 0);
  const rows = [...selfMs.entries()].filter(([k]) => k !== '(idle)').map(([k, ms]) => ({ category: k, ms: Math.round(ms), pct: Math.round((ms / busy) * 1000) / 10 }));
  rows.sort((a, b) => b.ms - a.ms);
  return { totalMs: Math.round(total), busyMs: Math.round(busy), rows };
}

if (require.main === module) {
  for (const file of process.argv.slice(2)) {
    const { totalMs, busyMs, rows } = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    console.log(`\n${path.basename(file)}: ${busyMs} ms busy of ${totalMs} ms`);
    for (const row of rows.slice(0, 15)) console.log(`  ${row.pct.toFixed(1).padStart(5)}%  ${String(row.ms).padStart(6)} ms  ${row.category}`);
  }
}
