// What kind of failure an error is, in one place for the API (503 or 500) and the workers (retry
// or give up), and how to show it in a log line.
//
// Transient — an outage that retrying fixes, retried without limit (with back-off): PostgreSQL
// unreachable, shutting down, out of connections or a full pool (SQLSTATE class 08, 57P0x, 53300,
// Prisma P1001/P1002/P1017/P2024, socket errors, "timeout exceeded when trying to connect");
// serialization failures, deadlocks and lost optimistic-lock races (40001, 40P01, P2034, P2028,
// VersionConflict); Temporal unreachable; the payment provider unavailable.
// Everything else (a refused domain rule, a missing aggregate, a bug) is not transient.

type ErrorLike = { name?: string; code?: unknown; message?: string; cause?: unknown; meta?: { driverAdapterError?: { cause?: { code?: unknown; originalCode?: unknown; kind?: unknown } } } };

// Prisma's driver-adapter error kinds that mean "the database is not there right now" (e.g. P2010
// "Server has closed the connection" while PostgreSQL restarts).
const TRANSIENT_ADAPTER_KINDS = new Set(['ConnectionClosed', 'DatabaseNotReachable', 'SocketTimeout', 'TooManyConnections', 'DatabaseDoesNotExist', 'TransactionAlreadyClosed']);

const TRANSIENT_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024', 'P2028', 'P2034', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '53300', '57P01', '57P02', '57P03', '40001', '40P01']);
const TRANSIENT_NAMES = new Set(['VersionConflict', 'ProviderUnavailable', 'ServiceError', 'TransportError', 'WorkflowUpdateRPCTimeoutOrCancelledError']);
const TRANSIENT_MESSAGE = /ECONNREFUSED|ECONNRESET|Connection terminated|connection refused|Can't reach database server|Server has closed the connection|encountered a connection error and is not queryable|UNAVAILABLE|shutting down|timeout exceeded when trying to connect|could not serialize|deadlock detected/i;

export function isTransient(error: unknown, depth = 0): boolean {
  const e = error as ErrorLike | undefined;
  if (!e || typeof e !== 'object' || depth > 5) return false;
  if (TRANSIENT_NAMES.has(e.name ?? '')) return true;
  // Prisma 7 wraps PostgreSQL's own SQLSTATE in meta.driverAdapterError.cause.
  const driver = e.meta?.driverAdapterError?.cause;
  const codes = [e.code, driver?.code, driver?.originalCode].filter((c): c is string => typeof c === 'string');
  if (codes.some((code) => TRANSIENT_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (typeof driver?.kind === 'string' && TRANSIENT_ADAPTER_KINDS.has(driver.kind)) return true;
  if (TRANSIENT_MESSAGE.test(e.message ?? '')) return true;
  return e.cause !== undefined && e.cause !== error && isTransient(e.cause, depth + 1);
}

/**
 * An error as a log line can show it: name, message, the failure type and retryability of Temporal
 * failures, and the whole cause chain. (A Temporal ApplicationFailure serialises to `{}` by default:
 * its fields are not enumerable.)
 */
export function describeError(error: unknown, depth = 0): Record<string, unknown> | string {
  if (!(error instanceof Error)) return String(error);
  const e = error as Error & { type?: unknown; nonRetryable?: unknown; code?: unknown; details?: unknown };
  return {
    name: e.name,
    message: e.message,
    ...(typeof e.type === 'string' ? { type: e.type } : {}),
    ...(typeof e.nonRetryable === 'boolean' ? { nonRetryable: e.nonRetryable } : {}),
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(e.cause !== undefined && depth < 5 ? { cause: describeError(e.cause, depth + 1) } : {}),
  };
}

/** Replaces Error values in a log line's fields by their description. */
export function describeErrors(meta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) out[key] = value instanceof Error ? describeError(value) : value;
  return out;
}
