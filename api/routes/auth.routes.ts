// /auth and /customers/me: registration (bcrypt-hashed passwords), token issue, own profile.
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import bcrypt from 'bcryptjs';
import type { PrismaClient } from '../../platform/prisma';
import type { Config } from '../../platform/config';
import { authenticate, issueToken } from '../auth';
import { HttpError, notFound } from '../problem';
import { parse } from '../validation';
import { registerBody, tokenBody } from '../schemas';
import { rateLimit } from '../rate-limit';
import { findCustomerView } from '../queries/customer-view.query';

export function authRouter(deps: { prisma: PrismaClient; config: Config }): Router {
  const { prisma, config } = deps;
  const router = Router();
  // A hash to compare against when the email is unknown, so both cases take the same time.
  const dummyHash = bcrypt.hashSync('not-a-real-password', config.BCRYPT_ROUNDS);

  router.post('/auth/register', rateLimit({ limit: config.REGISTER_RATE_LIMIT, windowMs: 60_000 }), async (req, res) => {
    const body = parse(registerBody, req.body);
    const customerId = randomUUID();
    const passwordHash = await bcrypt.hash(body.password, config.BCRYPT_ROUNDS);
    // Credit is the store's decision: every new customer gets the default; only an admin changes it.
    const creditLimitCents = config.DEFAULT_CREDIT_LIMIT_CENTS;
    try {
      // Identity and credit line are born together; afterwards each changes on its own.
      await prisma.$transaction([
        prisma.customer.create({ data: { id: customerId, email: body.email, name: body.name, passwordHash, role: 'customer' } }),
        prisma.creditLine.create({ data: { customerId, limitCents: creditLimitCents } }),
      ]);
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') throw new HttpError(409, 'EMAIL_TAKEN', 'this email is already registered');
      throw error;
    }
    res.status(201).location('/customers/me').json({ customerId, email: body.email, name: body.name, creditLimitCents });
  });

  router.post('/auth/token', rateLimit({ limit: config.TOKEN_RATE_LIMIT, windowMs: 60_000 }), async (req, res) => {
    const body = parse(tokenBody, req.body);
    const customer = await prisma.customer.findUnique({ where: { email: body.email } });
    const ok = await bcrypt.compare(body.password, customer?.passwordHash ?? dummyHash);
    if (!customer || !ok) throw new HttpError(401, 'INVALID_CREDENTIALS', 'wrong email or password');
    res.set('Cache-Control', 'no-store').json(issueToken(config, { customerId: customer.id, role: customer.role === 'admin' ? 'admin' : 'customer' }));
  });

  router.get('/customers/me', authenticate(config, 'customer', 'admin'), async (req, res) => {
    const view = await findCustomerView(prisma, req.principal!.customerId);
    if (!view) throw notFound('CUSTOMER_NOT_FOUND', 'customer');
    res.json(view);
  });

  return router;
}

/** Creates or updates the admin account from ADMIN_EMAIL / ADMIN_PASSWORD at start-up. */
export async function bootstrapAdmin(prisma: PrismaClient, config: Config): Promise<void> {
  const passwordHash = await bcrypt.hash(config.ADMIN_PASSWORD, config.BCRYPT_ROUNDS);
  const existing = await prisma.customer.findUnique({ where: { email: config.ADMIN_EMAIL } });
  if (existing) {
    if (existing.role !== 'admin' || !(await bcrypt.compare(config.ADMIN_PASSWORD, existing.passwordHash))) {
      await prisma.customer.update({ where: { id: existing.id }, data: { role: 'admin', passwordHash } });
    }
    return;
  }
  const id = randomUUID();
  await prisma.$transaction([
    prisma.customer.create({ data: { id, email: config.ADMIN_EMAIL, name: 'Administrator', passwordHash, role: 'admin' } }),
    prisma.creditLine.create({ data: { customerId: id, limitCents: 0 } }),
  ]).catch((error: { code?: string }) => { if (error.code !== 'P2002') throw error; });
}
