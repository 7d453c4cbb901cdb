// Starts the floor workflows (bench/floor.workflow.ts) and waits for their result: one closed-loop
// step per call. Workflow ids are `<kind>-<runId>-<tag>-<i>`, so a run's histories can be found again.
import type { Client } from '@temporalio/client';
import { CustomerIdKey, OrderStatusKey, OrderTotalCentsKey } from './floor.definitions';
import type { floorWorkflow, sameShapeFloorWorkflow } from './floor.workflow';

export interface FloorKind { id(tag: string, i: number): string; one(tag: string): (i: number) => Promise<string> }

/** The naive floor; `searchAttributes` is the experiment BENCH_FLOOR_VARIANT=search-attributes. */
export function naiveFloor(client: Client, runId: string, options: { searchAttributes: boolean }): FloorKind {
  const id = (tag: string, i: number) => `naive-${runId}-${tag}-${i}`;
  return {
    id,
    one: (tag) => async (i) => {
      const result = await client.workflow.execute<typeof floorWorkflow>('floorWorkflow', { taskQueue: 'floor-orders', workflowId: id(tag, i), args: [`${tag}-${i}`, options] });
      return result.status;
    },
  };
}

/** The same-shape floor, started as the API starts the saga: the same search attributes, reuse policy and summary. */
export function sameShapeFloor(client: Client, runId: string, customerIds: string[]): FloorKind {
  const id = (tag: string, i: number) => `same-${runId}-${tag}-${i}`;
  return {
    id,
    one: (tag) => async (i) => {
      const input = { orderId: `${tag}-${i}`, customerId: customerIds[i % customerIds.length]!, totalCents: 1000 };
      const result = await client.workflow.execute<typeof sameShapeFloorWorkflow>('sameShapeFloorWorkflow', {
        taskQueue: 'floor-orders', workflowId: id(tag, i), args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: CustomerIdKey, value: input.customerId }, { key: OrderStatusKey, value: 'APPROVAL_PENDING' }, { key: OrderTotalCentsKey, value: input.totalCents },
        ],
        staticSummary: `Order ${input.orderId}: 1 line(s), ${input.totalCents} cents`,
      });
      return result.status;
    },
  };
}
