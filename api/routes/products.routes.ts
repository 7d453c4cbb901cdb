// /products: the catalog and its stock. Reads are public; changes need the admin role.
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { PrismaClient } from '../../platform/prisma';
import type { Config } from '../../platform/config';
import { adjust, type Product } from '../../domain/stock/product';
import { authenticate } from '../auth';
import { HttpError, notFound } from '../problem';
import { parse } from '../validation';
import { createProductBody, pageQuery, stockAdjustmentBody } from '../schemas';
import { afterCursor, decodeCursor, encodeCursor, UUID } from '../pagination';
import { appendEvents, inTransaction, VersionConflict } from '../../activities/shared/transaction';

type ProductRow = { id: string; sku: string; name: string; priceCents: bigint | number; onHand: number; reserved: number };

export const productView = (p: ProductRow) => ({
  productId: p.id, sku: p.sku, name: p.name, priceCents: Number(p.priceCents), stockAvailable: p.onHand - p.reserved,
});

export function productsRouter(deps: { prisma: PrismaClient; config: Config }): Router {
  const { prisma, config } = deps;
  const router = Router();
  const admin = authenticate(config, 'admin');
  const findProduct = async (id: string) => {
    const row = UUID.test(id) ? await prisma.product.findUnique({ where: { id } }) : null;
    if (!row) throw notFound('PRODUCT_NOT_FOUND', 'product');
    return row;
  };

  router.get('/', async (req, res) => {
    const query = parse(pageQuery, req.query);
    const rows = await prisma.product.findMany({
      where: afterCursor(decodeCursor(query.cursor)),
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    res.json({ items: page.map(productView), nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null });
  });

  router.get('/:id', async (req, res) => {
    res.json(productView(await findProduct(String(req.params.id))));
  });

  router.post('/', admin, async (req, res) => {
    const body = parse(createProductBody, req.body);
    const id = randomUUID();
    try {
      const row = await prisma.product.create({ data: { id, sku: body.sku, name: body.name, priceCents: body.priceCents, onHand: body.stock } });
      res.status(201).location(`/products/${id}`).json(productView(row));
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') throw new HttpError(409, 'SKU_TAKEN', `sku ${body.sku} already exists`);
      throw error;
    }
  });

  router.post('/:id/stock', admin, async (req, res) => {
    const { delta } = parse(stockAdjustmentBody, req.body);
    const { id } = await findProduct(String(req.params.id));
    const updated = await inTransaction(prisma, async (tx) => {
      const row = await tx.product.findUniqueOrThrow({ where: { id } });
      const current: Product = { ...row, priceCents: Number(row.priceCents) };
      const { product, events } = adjust(current, delta);
      const { count } = await tx.product.updateMany({ where: { id, version: row.version }, data: { onHand: product.onHand, version: row.version + 1 } });
      if (count !== 1) throw new VersionConflict(`product ${id}`);
      await appendEvents(tx, { orderId: null, context: 'stock', aggregateId: id }, events);
      return { ...row, onHand: product.onHand };
    });
    res.json(productView(updated));
  });

  return router;
}
