/**
 * The outside carrier, as the shipment activities see it. A refusal (e.g. an unserved country) is a
 * normal answer that cancels the order; an outage is a thrown error that the activity retries, with
 * the idempotency key preventing a second booking.
 */
export interface ShippingAddress {
  line1: string;
  city: string;
  postalCode: string;
  /** ISO 3166-1 alpha-2, validated at the API edge. */
  country: string;
}

export type BookingResult = { outcome: 'booked'; trackingNumber: string } | { outcome: 'refused'; reason: string };

export interface Carrier {
  book(req: { idempotencyKey: string; orderId: string; address: ShippingAddress }): Promise<BookingResult>;
}
