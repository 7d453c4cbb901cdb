// What the load and abuse checks (stream caps, slow-loris, /metrics and auth floods) share: the
// API's limits as the chaos cluster sets them, and how a check records a pass/fail and a figure.
import type { HttpClient } from './http';

export interface ApiLimits {
  streamsPerCustomer: number;
  streamsPerProcess: number;
  registerPerMinute: number;
  tokenPerMinute: number;
}

export interface Measurement { check: string; what: string; value: string }

export interface AbuseContext {
  baseUrl: string;
  databaseUrl: string;
  limits: ApiLimits;
  /** For the API's own figures (event-loop delay) from /metrics. */
  metricsToken: string;
  http: HttpClient;
  /** One pass/fail row of the security table (`passed` = the attack was contained). */
  record: (category: string, name: string, passed: boolean, detail: string) => void;
  /** One figure for RELIABILITY.md's load table. */
  measure: (check: string, what: string, value: string) => void;
  say: (line: string) => void;
}

/** An account of its own with one order that stays open while the sagas are held. */
export interface StreamAccount { customerId: string; email: string; password: string; token: string; orderId: string }

/** "n × 5xx" or "no 5xx", for details. */
export const fiveXx = (statuses: number[]) => {
  const n = statuses.filter((s) => s >= 500).length;
  return n ? `${n} × 5xx` : 'no 5xx';
};
