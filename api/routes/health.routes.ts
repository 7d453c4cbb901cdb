// Liveness (the process answers) and readiness (Postgres and Temporal both answer).
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../platform/prisma';
import type { Config } from '../../platform/config';

async function check(work: () => Promise<unknown>, timeoutMs = 2000): Promise<string> {
  try {
    await Promise.race([work(), new Promise((_, reject) => setTimeout(() => reject(new Error('timed out')), timeoutMs))]);
    return 'ok';
  } catch (error) {
    return `failing: ${(error as Error).message.split('\n')[0]}`;
  }
}

export function healthRouter(deps: { prisma: PrismaClient; temporal: Client; config: Config }): Router {
  const router = Router();
  router.get('/health/live', (_req, res) => void res.json({ status: 'ok' }));
  router.get('/health/ready', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      check(() => deps.prisma.$queryRaw`SELECT 1`),
      check(() => deps.temporal.workflowService.describeNamespace({ namespace: deps.config.TEMPORAL_NAMESPACE })),
    ]);
    const ready = postgres === 'ok' && temporal === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable', checks: { postgres, temporal } });
  });
  return router;
}
