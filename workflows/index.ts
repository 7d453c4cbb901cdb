// The workflow bundle's entry: every workflow type the `orders` worker registers.
export { placeOrderSaga } from './place-order.saga';
export { repairOrderSaga } from './repair-order.saga';
