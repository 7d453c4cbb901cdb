// `npm run repair-order -- <orderId>`: the operator's path for an order whose saga was reset.
// Order sagas refuse workflow resets (the database is not rolled back with the history, so replayed
// step keys would be skipped or misapplied): the reset run fails with SAGA_RESET_REFUSED having
// changed nothing, and the order is left unfinished. This starts `repairOrderSaga` as a new run of
// `order-<orderId>`, which gives back everything the order holds and closes it CANCELLED /
// OPERATOR_REPAIR (a final order is left as it is). It refuses while a saga of the order runs:
// cancel a running order through the API instead.
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { loadConfig, taskQueues } from '../platform/config';
import { dataConverterFor, payloadKeys } from '../platform/payload-codec';
import { orderWorkflowId } from '../domain/orders/order.commands';
import type { RepairOrderResult } from '../workflows/repair-order.saga';

export async function repairOrder(client: Client, options: { orderId: string; taskQueue: string }): Promise<RepairOrderResult> {
  const workflowId = orderWorkflowId(options.orderId);
  try {
    const { status } = await client.workflow.getHandle(workflowId).describe();
    if (status.name === 'RUNNING') throw new Error(`the saga of order ${options.orderId} is running: cancel the order instead (POST /orders/${options.orderId}/cancel)`);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  const handle = await client.workflow.start('repairOrderSaga', {
    workflowId,
    taskQueue: options.taskQueue,
    args: [{ orderId: options.orderId }],
    // Only a closed saga can be replaced by the repair run.
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    staticSummary: `Repair of order ${options.orderId}`,
  });
  return (await handle.result()) as RepairOrderResult;
}

async function main(): Promise<void> {
  const orderId = process.argv[2];
  if (!orderId) throw new Error('usage: npm run repair-order -- <orderId>');
  const config = loadConfig(process.env, { secrets: false });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverterFor(payloadKeys(config)) });
    const result = await repairOrder(client, { orderId, taskQueue: taskQueues(config).orders });
    console.log(result.repaired
      ? `order ${orderId} repaired: ${result.status} (${result.compensationsRun.join(', ')})`
      : `order ${orderId} is already ${result.status}: nothing to repair`);
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
