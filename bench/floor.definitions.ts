// Shared by the floor workflows (bundled) and the runner that starts them: the search attributes the
// saga sets (the dev server registers them) and the same-shape floor's input.
import { defineSearchAttributeKey } from '@temporalio/common';

export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', 'KEYWORD');
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', 'KEYWORD');
export const OrderTotalCentsKey = defineSearchAttributeKey('OrderTotalCents', 'INT');

export interface FloorOrderInput { orderId: string; customerId: string; totalCents: number }
export interface FloorResult { orderId: string; status: 'SHIPPED' }
