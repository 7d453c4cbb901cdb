// Preloaded into every process the bench spawns (`node --import tsx --import ./bench/probe.preload.mjs …`)
// so the code under test stays untouched. Plain JavaScript: Temporal's workflow worker threads inherit
// the flags and must load it without tsx. Over the IPC channel (main thread only) it answers:
//   'mem'   → process.memoryUsage() after a full GC (the process runs with --expose-gc)
//   'count' → starts counting pg round trips (every Client#query, by statement), 'stats' → the counts
// Counting wraps pg's Client#query, which Prisma's adapter-pg and the API's pool both go through.
import { isMainThread } from 'node:worker_threads';
import pg from 'pg';

const statements = new Map();
let counting = false;

const statementKey = (arg) => {
  const text = typeof arg === 'string' ? arg : arg?.text ?? '?';
  return text.replace(/\s+/g, ' ').trim().slice(0, 160);
};

if (isMainThread && process.send) {
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function query(...args) {
    if (!counting) return original.apply(this, args);
    const key = statementKey(args[0]);
    const started = process.hrtime.bigint();
    const done = () => {
      const entry = statements.get(key) ?? { calls: 0, totalMs: 0 };
      entry.calls += 1;
      entry.totalMs += Number(process.hrtime.bigint() - started) / 1e6;
      statements.set(key, entry);
    };
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last];
      args[last] = (...a) => { done(); return callback(...a); };
      return original.apply(this, args);
    }
    const result = original.apply(this, args);
    if (result && typeof result.then === 'function') result.then(done, done);
    else done();
    return result;
  };

  process.on('message', (message) => {
    if (message === 'mem') {
      globalThis.gc?.();
      process.send({ type: 'mem', memory: process.memoryUsage() });
    } else if (message === 'count') {
      statements.clear();
      counting = true;
      process.send({ type: 'count' });
    } else if (message === 'stats') {
      counting = false;
      process.send({ type: 'stats', statements: Object.fromEntries(statements) });
    }
  });
  // The IPC channel must not keep a process alive that would otherwise exit.
  process.channel?.unref();
}
