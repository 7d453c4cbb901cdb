// Open-loop load for the scaling steps and the autoscaler's burst: plain orders (one mug, tok_visa)
// launched at a fixed rate whatever the system's speed, each POST retried with its Idempotency-Key
// like the steady stream's. They are recorded as the driver records its orders (kind `visa`), so the
// same invariants check them: each must end SHIPPED, charged once.
import { randomUUID } from 'node:crypto';
import { sleep } from '../chaos/config';
import type { DrivenOrder } from '../chaos/driver';
import type { HttpClient } from '../chaos/http';
import type { Seed } from '../chaos/seed';

export interface LoadResult { orders: DrivenOrder[]; startedAt: number; launchedUntil: number; answeredAt: number }

export async function openLoop(input: {
  http: HttpClient; seed: Seed; tokens: Map<string, string>; count: number; ratePerSecond: number; firstIndex: number; label: string;
}): Promise<LoadResult> {
  const rich = input.seed.customers.filter((c) => c.role === 'rich');
  const mug = input.seed.products.get('mug')!.id;
  const orders: DrivenOrder[] = [];
  const posts: Promise<void>[] = [];
  const startedAt = Date.now();
  for (let i = 0; i < input.count; i++) {
    // On schedule, not after the previous answer: the offered rate does not bend to the system.
    const due = startedAt + (i * 1000) / input.ratePerSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    const customer = rich[i % rich.length]!;
    const order: DrivenOrder = {
      index: input.firstIndex + i, kind: 'visa', customerId: customer.id, idempotencyKey: `${input.label}-${i}-${randomUUID()}`,
      lines: [{ productId: mug, quantity: 1 }], token: 'tok_visa', country: 'US', postStatus: 0, postAttempts: 0, orderId: null,
      duplicateIds: [], actions: [], placedAt: Date.now(), finalAt: null, finalStatus: null,
    };
    orders.push(order);
    posts.push(input.http.call('POST', '/orders', {
      token: input.tokens.get(customer.id)!, retry: 'safe', budgetMs: 180_000, headers: { 'Idempotency-Key': order.idempotencyKey },
      body: { items: order.lines, shippingAddress: { line1: '1 Scale St', city: 'Load', postalCode: '1', country: 'US' }, paymentMethod: { token: 'tok_visa' } },
    }).then((reply) => {
      order.postStatus = reply.status;
      order.postAttempts = reply.attempts;
      if (reply.status === 202 || reply.status === 200) order.orderId = reply.body.orderId;
    }));
  }
  const launchedUntil = Date.now();
  await Promise.all(posts);
  return { orders, startedAt, launchedUntil, answeredAt: Date.now() };
}
