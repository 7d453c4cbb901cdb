// Test helpers for driving the order saga directly on the dev server (no API in between).
import { randomUUID } from 'node:crypto';
import type { OrderLine } from '../domain/orders/order';
import { orderWorkflowId, type PlaceOrderInput } from '../domain/orders/order.commands';
import type { PrismaClient } from '../platform/prisma';
import type { OrderSagaResult } from '../workflows/definitions';
import { queuesOf, type TestStack } from './harness';

export interface OrderSpec {
  customerId: string;
  lines: { productId: string; quantity: number; unitPriceCents?: number }[];
  token?: string;
  country?: string;
  dispatchDelayMs?: number;
}

export function orderInput(spec: OrderSpec): PlaceOrderInput {
  const items: OrderLine[] = spec.lines.map((l) => {
    const unitPriceCents = l.unitPriceCents ?? 1000;
    return { productId: l.productId, sku: `SKU-${l.productId.slice(0, 8)}`, name: 'Test Product', quantity: l.quantity, unitPriceCents, lineTotalCents: unitPriceCents * l.quantity };
  });
  return {
    orderId: randomUUID(),
    customerId: spec.customerId,
    items,
    totalCents: items.reduce((sum, i) => sum + i.lineTotalCents, 0),
    shippingAddress: { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: spec.country ?? 'US' },
    paymentToken: spec.token ?? 'tok_visa',
    placedAt: new Date().toISOString(),
    dispatchDelayMs: spec.dispatchDelayMs ?? 0,
  };
}

export async function startSaga(stack: TestStack, input: PlaceOrderInput) {
  return stack.temporal.workflow.start('placeOrderSaga', {
    workflowId: orderWorkflowId(input.orderId),
    taskQueue: queuesOf(stack).orders,
    args: [input],
  });
}

export async function runSaga(stack: TestStack, spec: OrderSpec): Promise<{ input: PlaceOrderInput; result: OrderSagaResult }> {
  const input = orderInput(spec);
  const handle = await startSaga(stack, input);
  return { input, result: (await handle.result()) as OrderSagaResult };
}

export async function timelineTypes(prisma: PrismaClient, orderId: string): Promise<string[]> {
  const rows = await prisma.domainEvent.findMany({ where: { orderId }, orderBy: { id: 'asc' }, select: { type: true } });
  return rows.map((r) => r.type);
}
