import { codeOf } from '../../test/builders/shared.builders';
import { bookShipment, shipmentRefused } from './shipment';

describe('bookShipment', () => {
  it('when the carrier books, then a BOOKED shipment with its tracking number is produced', () => {
    const { shipment, events } = bookShipment({ id: 's-1', orderId: 'o-1', trackingNumber: 'TRK1' });
    expect(shipment).toEqual({ id: 's-1', orderId: 'o-1', status: 'BOOKED', trackingNumber: 'TRK1', version: 0 });
    expect(events).toEqual([{ type: 'ShipmentBooked', data: { trackingNumber: 'TRK1' } }]);
  });

  it('when the tracking number is empty, then it throws VALIDATION_FAILED', () => {
    expect(codeOf(() => bookShipment({ id: 's-1', orderId: 'o-1', trackingNumber: '' }))).toBe('VALIDATION_FAILED');
  });
});

describe('shipmentRefused', () => {
  it('when the carrier refuses, then a REFUSED shipment without tracking number is produced', () => {
    const { shipment, events } = shipmentRefused({ id: 's-1', orderId: 'o-1', reason: 'country AQ not served' });
    expect(shipment).toEqual({ id: 's-1', orderId: 'o-1', status: 'REFUSED', trackingNumber: null, version: 0 });
    expect(events).toEqual([{ type: 'ShipmentRefused', data: { reason: 'country AQ not served' } }]);
  });
});
