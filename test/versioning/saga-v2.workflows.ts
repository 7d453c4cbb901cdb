// The workflow bundle of a "v2" build for workers/worker-versioning.test.ts: the real saga behind a
// visible change that running orders could not replay — it records `sagaRelease: v2` in the memo
// before the saga's first step, a command v1 histories do not have. Pinned orders never see it.
import { upsertMemo } from '@temporalio/workflow';
import { placeOrderSaga as placeOrderSagaV1 } from '../../workflows/place-order.saga';
import type { PlaceOrderInput } from '../../workflows/definitions';

export { repairOrderSaga } from '../../workflows/repair-order.saga';

export const SAGA_RELEASE_MEMO = 'sagaRelease';

export async function placeOrderSaga(input: PlaceOrderInput) {
  upsertMemo({ [SAGA_RELEASE_MEMO]: 'v2' });
  return placeOrderSagaV1(input);
}
