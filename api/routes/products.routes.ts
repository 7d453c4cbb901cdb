// /products: the catalog and its stock. Reads are public; changes need the admin role.
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { PrismaClient } from '../../platform/prisma';
import type { Config } from '../../platform/config';
import { adjust } from '../../domain/stock/product';
import { authenticate } from '../auth';
import { HttpError, notFound } from '../problem';
import { parse } from '../validation';
import { createProductBody, pageQuery, stockAdjustmentBody } from '../schemas';
import { afterCursor, decodeCursor, encodeCursor, UUID } from '../pagination';
import { appendEvents, inTransaction } from '../../persistence/transaction';
import { findProduct, saveProduct } from '../../persistence/product.repository';

type ProductRow = { id: string; sku: string; name: string; priceCents: bigint | number; onHand: number; reserved: number };

export const productView = (p: ProductRow) => ({
  productId: p.id, sku: p.sku, name: p.name, priceCents: Number(p.priceCents), stockAvailable: p.onHand - p.reserved,
});

export function productsRouter(deps: { prisma: PrismaClient; config: Config }): Router {
  const { prisma, config } = deps;
  const router = Router();
  const admin = authenticate(config, 'admin');
  const productRowOr404 = async (id: string) => {
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
    res.json(productView(await productRowOr404(String(req.params.id))));
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
    const { id } = await productRowOr404(String(req.params.id));
    const updated = await inTransaction(prisma, async (tx) => {
      const current = await findProduct(tx, id);
      if (!current) throw notFound('PRODUCT_NOT_FOUND', 'product');
      const { product, events } = adjust(current, delta);
      await saveProduct(tx, product, current.version);
      await appendEvents(tx, { orderId: null, context: 'stock', aggregateId: id }, events);
      return product;
    });
    res.json(productView(updated));
  });

  return router;
}
