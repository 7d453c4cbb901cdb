// The read floor's statement (bench/read-floor.ts): the order and its timeline as plain columns,
// what a hand-written node:http + pg service would ask. Also measured alone by read-path.micro.ts.
export const READ_FLOOR_SQL = `
  SELECT o.id, o.customer_id, o.status, o.items, o.total_cents, o.shipping_address, o.rejection_reason,
         o.cancellation_reason, o.created_at, o.updated_at, o.version,
         COALESCE((SELECT json_agg(json_build_object('type', e.type, 'at', e.at, 'data', e.data) ORDER BY e.id)
                   FROM domain_events e WHERE e.order_id = o.id), '[]'::json) AS timeline
  FROM orders o WHERE o.id = $1::uuid`;
