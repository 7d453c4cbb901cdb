// The console's only way to the API: JSON in and out, problem+json refusals as ApiProblem.
import type { Problem } from './problem-words';
import type { TimelineEntry } from './saga-steps';

export class ApiProblem extends Error implements Problem {
  constructor(readonly status: number, readonly code: string, readonly detail?: string, readonly errors?: Problem['errors']) {
    super(`${status} ${code}${detail ? `: ${detail}` : ''}`);
  }
}

export interface Product { productId: string; sku: string; name: string; priceCents: number; stockAvailable: number }
export interface OrderItem { productId: string; sku: string; name: string; quantity: number; unitPriceCents: number; lineTotalCents: number }
export interface Address { line1: string; city: string; postalCode: string; country: string }
export interface Order {
  orderId: string; customerId: string; status: string; items: OrderItem[]; totalCents: number; shippingAddress: Address;
  payment: { chargedCents: number; refundedCents: number }; rejectionReason: string | null; cancellationReason: string | null;
  createdAt: string; updatedAt: string; version: number; timeline: TimelineEntry[];
}
export type OrderSummary = Omit<Order, 'timeline'> & { timeline?: TimelineEntry[] };
export interface Page<T> { items: T[]; nextCursor: string | null }
export interface Customer { customerId: string; email: string; name: string; creditLimitCents: number; creditAvailableCents: number }
export interface StuckOrder {
  orderId: string; customerId: string; status: string; updatedAt: string; stuckForSeconds: number;
  compensationFailures: { at: string; compensation: string; attempt: number; message: string }[]; workflowId: string; webUiUrl: string;
}
export interface ConsoleConfig { temporalUiUrl: string; temporalNamespace: string }

export async function api<T>(method: string, path: string, options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), cache: 'no-store' });
  } catch {
    throw new ApiProblem(0, 'NETWORK_ERROR');
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const problem = (body ?? {}) as Partial<Problem>;
    throw new ApiProblem(response.status, problem.code ?? `HTTP_${response.status}`, problem.detail, problem.errors);
  }
  return body as T;
}

/** A fresh Idempotency-Key per checkout: a double click or a retried request places one order. */
export function idempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
