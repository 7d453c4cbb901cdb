// Operator views. GET /admin/stuck-orders lists sagas that have not reached a final status within a
// threshold, with any compensation failures recorded on them and the Web UI link of each workflow.
import { Router } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '../../platform/prisma';
import { parseDurationMs, type Config } from '../../platform/config';
import { orderWorkflowId } from '../../domain/orders/order.commands';
import { authenticate } from '../auth';
import { parse } from '../validation';

export const stuckQuery = z.object({
  olderThan: z.string().regex(/^\d+(ms|s|m|h)?$/, 'a duration such as 30s, 5m, 1h').default('5m'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function adminRouter(deps: { prisma: PrismaClient; config: Config }): Router {
  const { prisma, config } = deps;
  const router = Router();

  router.get('/admin/stuck-orders', authenticate(config, 'admin'), async (req, res) => {
    const query = parse(stuckQuery, req.query);
    const thresholdMs = parseDurationMs(query.olderThan);
    const before = new Date(Date.now() - thresholdMs);
    const rows = await prisma.order.findMany({
      where: { status: { notIn: ['SHIPPED', 'REJECTED', 'CANCELLED'] }, updatedAt: { lt: before } },
      orderBy: { updatedAt: 'asc' },
      take: query.limit,
    });
    const failures = rows.length === 0 ? [] : await prisma.domainEvent.findMany({
      where: { orderId: { in: rows.map((r) => r.id) }, type: 'CompensationFailed' },
      orderBy: { id: 'asc' },
      select: { orderId: true, at: true, data: true },
    });
    const ui = config.TEMPORAL_UI_URL.replace(/\/$/, '');
    res.json({
      olderThan: query.olderThan,
      items: rows.map((row) => ({
        orderId: row.id,
        customerId: row.customerId,
        status: row.status,
        updatedAt: row.updatedAt.toISOString(),
        stuckForSeconds: Math.round((Date.now() - row.updatedAt.getTime()) / 1000),
        compensationFailures: failures.filter((f) => f.orderId === row.id).map((f) => ({ at: f.at.toISOString(), ...(f.data as object) })),
        workflowId: orderWorkflowId(row.id),
        webUiUrl: `${ui}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${orderWorkflowId(row.id)}`,
      })),
    });
  });

  return router;
}
