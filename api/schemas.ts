// The request and response shapes of shared/API.md, as zod schemas. Objects strip unknown fields:
// a body can never set status, customerId, prices or totals.
import { z } from 'zod';
import { ISO_COUNTRIES } from './iso-countries';

// Text may not contain NUL: PostgreSQL cannot store it, and no legitimate input needs it.
// (A refine keeps the string's min/max in the OpenAPI document; a pipe would hide them.)
// Nor unpaired UTF-16 surrogates: valid JSON ("\ud800"), but not text PostgreSQL's jsonb accepts.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const noNul = <T extends z.ZodString>(schema: T) =>
  schema.refine((v) => !v.includes('\u0000') && !LONE_SURROGATE.test(v), 'must be text without NUL characters or unpaired surrogates');
const id = noNul(z.string().min(1).max(100));

export const registerBody = z.object({
  email: noNul(z.string().trim().toLowerCase().max(254)).pipe(z.email()),
  password: noNul(z.string().min(8).max(200)),
  name: noNul(z.string().trim().min(1).max(200)),
  // No creditLimitCents: a limit sent here is ignored like any unknown field (admins set limits).
});

export const tokenBody = z.object({
  email: noNul(z.string().trim().toLowerCase().max(254)),
  password: noNul(z.string().max(200)),
});

export const createProductBody = z.object({
  sku: noNul(z.string().trim().min(1).max(64)),
  name: noNul(z.string().trim().min(1).max(200)),
  priceCents: z.number().int().min(1).max(1_000_000_000),
  stock: z.number().int().min(0).max(1_000_000_000),
});

export const stockAdjustmentBody = z.object({ delta: z.number().int().min(-1_000_000_000).max(1_000_000_000) });

const orderLine = z.object({ productId: id, quantity: z.number().int().min(1).max(1000) });

export const orderItems = z.array(orderLine).min(1).max(50).superRefine((lines, ctx) => {
  const seen = new Set<string>();
  lines.forEach((line, i) => {
    if (seen.has(line.productId)) ctx.addIssue({ code: 'custom', path: [i, 'productId'], message: 'duplicate productId' });
    seen.add(line.productId);
  });
});

export const shippingAddress = z.object({
  line1: noNul(z.string().trim().min(1).max(200)),
  city: noNul(z.string().trim().min(1).max(100)),
  postalCode: noNul(z.string().trim().min(1).max(20)),
  country: z.string().refine((c) => ISO_COUNTRIES.has(c), 'must be an ISO 3166-1 alpha-2 country code'),
});

export const placeOrderBody = z.object({
  items: orderItems,
  shippingAddress,
  paymentMethod: z.object({ token: noNul(z.string().min(1).max(200)) }),
});
export type PlaceOrderBody = z.infer<typeof placeOrderBody>;

export const reviseOrderBody = z.object({ items: orderItems });

const limit = z.coerce.number().int().min(1).max(100).default(100);
const cursor = z.string().max(500).optional();
export const pageQuery = z.object({ limit, cursor });
export const ORDER_STATUS_VALUES = ['APPROVAL_PENDING', 'APPROVED', 'PAID', 'SHIPPED', 'REJECTED', 'CANCEL_PENDING', 'CANCELLED', 'REVISION_PENDING'] as const;
export const orderListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor,
  status: z.enum(ORDER_STATUS_VALUES).optional(),
  customerId: z.string().max(100).optional(),
});
