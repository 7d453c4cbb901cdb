import { DomainError } from '../shared/domain-error';
import { assertCents, assertInteger, assertNonEmptyString, VALIDATION_FAILED } from '../shared/guards';

/** Limits from the public contract (shared/API.md, "Input rules"). */
export const MAX_ORDER_LINES = 50;
export const MAX_LINE_QUANTITY = 1000;

/** A line as the caller knows it: product data is copied from the catalog so the order keeps the price it was sold at. */
export interface OrderLineInput {
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
}

export interface OrderLine {
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPriceCents: number;
  lineTotalCents: number;
}

export interface PricedLines {
  items: OrderLine[];
  totalCents: number;
}

/**
 * Validates lines and computes line and order totals. Totals are always derived here, never accepted
 * from a client, so a request cannot set its own price. Only known fields are copied, so extra
 * properties on the input never reach the stored order.
 */
export function priceLines(lines: readonly OrderLineInput[]): PricedLines {
  if (!Array.isArray(lines) || lines.length < 1 || lines.length > MAX_ORDER_LINES) {
    throw new DomainError(VALIDATION_FAILED, `lines must have between 1 and ${MAX_ORDER_LINES} entries`);
  }
  const seen = new Map<string, number>();
  const items: OrderLine[] = [];
  let totalCents = 0;
  lines.forEach((line, index) => {
    const path = `lines[${index}]`;
    const productId = assertNonEmptyString(line.productId, `${path}.productId`);
    const previous = seen.get(productId);
    if (previous !== undefined) {
      // One line per product keeps stock reservation and revision deltas unambiguous.
      throw new DomainError(VALIDATION_FAILED, `${path}.productId duplicates lines[${previous}].productId`);
    }
    seen.set(productId, index);
    const quantity = assertInteger(line.quantity, `${path}.quantity`, 1, MAX_LINE_QUANTITY);
    const unitPriceCents = assertCents(line.unitPriceCents, `${path}.unitPriceCents`);
    const lineTotalCents = quantity * unitPriceCents;
    totalCents += lineTotalCents;
    if (!Number.isSafeInteger(lineTotalCents) || !Number.isSafeInteger(totalCents)) {
      // Beyond 2^53 cents arithmetic stops being exact; refuse rather than round money.
      throw new DomainError(VALIDATION_FAILED, `${path} makes the order total too large`);
    }
    items.push({
      productId,
      sku: assertNonEmptyString(line.sku, `${path}.sku`),
      name: assertNonEmptyString(line.name, `${path}.name`),
      quantity,
      unitPriceCents,
      lineTotalCents,
    });
  });
  return { items, totalCents };
}

export interface QuantityDelta {
  productId: string;
  /** new − old: positive means reserve more stock, negative means release some. Never zero. */
  quantityDelta: number;
}

export interface RevisionDelta {
  quantityDeltas: QuantityDelta[];
  /** new total − old total: positive means hold/charge more, negative means release/refund. */
  totalDeltaCents: number;
}

type DeltaLine = Pick<OrderLine, 'productId' | 'quantity' | 'lineTotalCents'>;

/**
 * What a revision changes, so the revise saga can move only the difference in stock, credit and
 * payment. Order of the result is deterministic (old lines first, then added products) because
 * workflows replay it and must schedule the same activities in the same order.
 */
export function revisionDelta(oldItems: readonly DeltaLine[], newItems: readonly DeltaLine[]): RevisionDelta {
  const quantities = new Map<string, number>();
  for (const line of oldItems) quantities.set(line.productId, (quantities.get(line.productId) ?? 0) - line.quantity);
  for (const line of newItems) quantities.set(line.productId, (quantities.get(line.productId) ?? 0) + line.quantity);
  const quantityDeltas: QuantityDelta[] = [];
  for (const [productId, quantityDelta] of quantities) {
    if (quantityDelta !== 0) quantityDeltas.push({ productId, quantityDelta });
  }
  const total = (lines: readonly DeltaLine[]): number => lines.reduce((sum, line) => sum + line.lineTotalCents, 0);
  return { quantityDeltas, totalDeltaCents: total(newItems) - total(oldItems) };
}

/**
 * The lines of a revision as they will be sold: a product the order already has keeps the unit
 * price (and sku and name) it was sold at; only products new to the order take the catalog's
 * `requested` price. A revision to the same lines after a price change therefore moves no money.
 */
export function keepSoldPrices(current: readonly OrderLine[], requested: readonly OrderLineInput[]): OrderLineInput[] {
  const sold = new Map(current.map((line) => [line.productId, line]));
  return requested.map((line) => {
    const kept = sold.get(line.productId);
    return kept
      ? { productId: line.productId, sku: kept.sku, name: kept.name, quantity: line.quantity, unitPriceCents: kept.unitPriceCents }
      : { productId: line.productId, sku: line.sku, name: line.name, quantity: line.quantity, unitPriceCents: line.unitPriceCents };
  });
}

export const ORDER_TOTAL_TOO_LARGE = 'ORDER_TOTAL_TOO_LARGE';

/** ORDER_MAX_TOTAL_CENTS: above it an order or revision is refused (422), so every total stays exact end to end. */
export function assertTotalWithin(totalCents: number, maxTotalCents: number): void {
  if (totalCents > maxTotalCents) {
    throw new DomainError(ORDER_TOTAL_TOO_LARGE, `Order total ${totalCents} cents exceeds the maximum of ${maxTotalCents} cents`);
  }
}
