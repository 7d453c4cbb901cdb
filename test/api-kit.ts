// HTTP helpers for API tests: calls with a token, problem+json assertions, fresh shoppers.
import { randomUUID } from 'node:crypto';
import { aCustomer, aProduct, eventually, tokenFor, type TestStack } from './harness';

export interface Reply { status: number; headers: Headers; body: any }

export async function call(stack: TestStack, method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${stack.baseUrl}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export function expectProblem(reply: Reply, status: number, code: string) {
  expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String), code });
}

/** A fresh customer with a token, and one fresh product it can order. */
export async function shopper(stack: TestStack, options: { creditLimitCents?: number; stock?: number; priceCents?: number } = {}) {
  const { customerId } = await aCustomer(stack.prisma, { creditLimitCents: options.creditLimitCents });
  const { productId } = await aProduct(stack.prisma, { stock: options.stock ?? 100, priceCents: options.priceCents ?? 1000 });
  return { customerId, productId, token: tokenFor(stack.config, customerId) };
}

export const adminToken = (stack: TestStack) => tokenFor(stack.config, randomUUID(), 'admin');

export const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
export const orderBody = (productId: string, quantity = 1, token = 'tok_visa') =>
  ({ items: [{ productId, quantity }], shippingAddress: { ...address }, paymentMethod: { token } });

export const postOrder = (stack: TestStack, token: string, body: unknown, idempotencyKey?: string) =>
  call(stack, 'POST', '/orders', { token, body, headers: idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {} });

export async function placed(stack: TestStack, token: string, body: unknown): Promise<string> {
  const reply = await postOrder(stack, token, body);
  expect(reply.status).toBe(202);
  return reply.body.orderId;
}

export const getOrder = (stack: TestStack, token: string, orderId: string) => call(stack, 'GET', `/orders/${orderId}`, { token });

export async function untilStatus(stack: TestStack, token: string, orderId: string, ...statuses: string[]) {
  const reply = await eventually(() => getOrder(stack, token, orderId), (r) => statuses.includes(r.body?.status), 20_000);
  return reply.body;
}

export const ordersOf = (stack: TestStack, customerId: string) => stack.prisma.order.count({ where: { customerId } });
export const types = (order: { timeline: { type: string }[] }) => order.timeline.map((e) => e.type);
