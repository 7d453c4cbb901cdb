// The catalog, a page at a time (newest first, as GET /products pages it): views show what is
// loaded and offer "Load more" while the API has a next cursor.
import { useState } from 'preact/hooks';
import { api, type Page, type Product } from '../api';
import { useLoad } from './common';

const PAGE = 100;

export function useProducts() {
  const [more, setMore] = useState<Product[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [changed, setChanged] = useState<Record<string, Product>>({});
  const first = useLoad(async () => {
    const page = await api<Page<Product>>('GET', `/products?limit=${PAGE}`);
    setMore([]);
    setChanged({});
    setCursor(page.nextCursor);
    return page.items;
  }, []);
  const loadMore = async () => {
    if (!cursor) return;
    const page = await api<Page<Product>>('GET', `/products?limit=${PAGE}&cursor=${encodeURIComponent(cursor)}`);
    setMore((loaded) => [...loaded, ...page.items]);
    setCursor(page.nextCursor);
  };
  const items = [...(first.data ?? []), ...more].map((p) => changed[p.productId] ?? p);
  /** Shows a product as the API just answered it (after a restock), wherever it is in the list. */
  const replace = (product: Product) => setChanged((c) => ({ ...c, [product.productId]: product }));
  return { ...first, items, hasMore: cursor !== null, loadMore, replace };
}
