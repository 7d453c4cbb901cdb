// A stand-in for a carrier's booking API: it refuses destinations it does not serve
// (CARRIER_UNSERVED_COUNTRIES) and otherwise returns a tracking number derived from the booking key,
// so a retried booking gets the same number.
import { createHash } from 'node:crypto';
import type { Carrier } from '../../domain/shipment/shipment';

export function createSimulatedCarrier(options: { unservedCountries: readonly string[] }): Carrier {
  const unserved = new Set(options.unservedCountries.map((c) => c.toUpperCase()));
  return {
    async book({ idempotencyKey, address }) {
      if (unserved.has(address.country.toUpperCase())) return { outcome: 'refused', reason: `carrier does not serve ${address.country}` };
      const tracking = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 12).toUpperCase();
      return { outcome: 'booked', trackingNumber: `TRK${tracking}` };
    },
  };
}
