// Knobs of `npm run chaos`, all bounded: how many orders, how fast, how long at most. Every value
// has a default that fits a 2-core machine and a full run under 15 minutes.
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const CHAOS_DIR = path.join(ROOT, '.data', 'chaos');
export const LOG_DIR = path.join(CHAOS_DIR, 'logs');

/** An integer knob from the environment, bounded; a value out of bounds stops the run with its name. */
export function int(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer in ${min}..${max}, got "${raw}"`);
  return value;
}

export interface ChaosConfig {
  /** Orders driven over HTTP. */
  orders: number;
  /** Pause between two order launches; the stream is steady, not a burst. */
  orderIntervalMs: number;
  /** At most this many orders followed at once (back-pressure on the driver). */
  maxInFlight: number;
  /** Hard cap on the driving phase; launching stops there even if orders remain. */
  maxDriveSeconds: number;
  /** How long to wait for every order to become final after the drive. */
  quiesceSeconds: number;
  /** DISPATCH_DELAY of the system under test. */
  dispatchDelay: string;
  /** Pause between two faults (0 = derived from the planned drive time). */
  faultGapMs: number;
  /** Fault cycles at least (every fault kind once per cycle). */
  minFaultCycles: number;
  /** Schemathesis bounds. */
  fuzzMaxExamples: number;
  fuzzMaxSeconds: number;
  /** Seed of the order mix and of Schemathesis, so a run can be repeated. */
  seed: number;
  /** Hard bound of the whole run (start to stop). */
  maxRunSeconds: number;
  /** Skip phases while developing (CHAOS_SKIP=fuzz,security,load,faults; `load`: the security set's load and abuse checks). */
  skip: Set<string>;
  /** Write RELIABILITY.md (default on; CHAOS_WRITE_REPORT=0 to only print). */
  writeReport: boolean;
}

export function loadChaosConfig(): ChaosConfig {
  const orders = int('CHAOS_ORDERS', 300, 1, 5000);
  return {
    orders,
    orderIntervalMs: int('CHAOS_ORDER_INTERVAL_MS', 700, 50, 60_000),
    // Orders wait DISPATCH_DELAY once PAID, so more are followed at once than with a short delay.
    maxInFlight: int('CHAOS_MAX_IN_FLIGHT', 32, 1, 500),
    maxDriveSeconds: int('CHAOS_MAX_DRIVE_SECONDS', 420, 10, 3600),
    quiesceSeconds: int('CHAOS_QUIESCE_SECONDS', 180, 10, 1800),
    // Long enough for a client to revise up, down and up again, or revise and then cancel, while the
    // order waits for dispatch (revisions do not move the dispatch time); short enough to keep the run bounded.
    dispatchDelay: process.env.CHAOS_DISPATCH_DELAY ?? '6s',
    faultGapMs: int('CHAOS_FAULT_GAP_MS', 0, 0, 600_000),
    minFaultCycles: int('CHAOS_FAULT_CYCLES', 2, 0, 20),
    fuzzMaxExamples: int('CHAOS_FUZZ_EXAMPLES', 40, 1, 10_000),
    fuzzMaxSeconds: int('CHAOS_FUZZ_SECONDS', 150, 10, 3600),
    seed: int('CHAOS_SEED', 7, 0, 2 ** 31 - 1),
    maxRunSeconds: int('CHAOS_MAX_RUN_SECONDS', 840, 60, 7200),
    skip: new Set((process.env.CHAOS_SKIP ?? '').split(',').map((s) => s.trim()).filter(Boolean)),
    writeReport: process.env.CHAOS_WRITE_REPORT !== '0',
  };
}

/** The command that reproduces a run with these settings (for RELIABILITY.md). */
export function reproduceCommand(): string {
  const vars = Object.entries(process.env)
    .filter(([k]) => k.startsWith('CHAOS_') && k !== 'CHAOS_WRITE_REPORT')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  return [...vars, 'npm run chaos'].join(' ');
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same order mix. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
