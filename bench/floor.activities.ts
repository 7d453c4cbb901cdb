// The floors' activities: each does nothing, so what is left is the engine's own cost per step. One
// name per saga step (the same body under every name) so that histories name their steps.
const noop = async (_orderId: string): Promise<void> => {};

export const floorActivities = {
  recordOrderPlaced: noop, reserveStock: noop, reserveCredit: noop, approve: noop, chargePayment: noop,
  paid: noop, bookShipment: noop, commitStock: noop, consumeCredit: noop, shipped: noop,
};
export type FloorActivities = typeof floorActivities;
