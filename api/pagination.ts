// Opaque keyset cursors: (createdAt, id) of the last item, base64url-encoded. Stable under inserts,
// unlike offsets. A cursor that does not decode is a 400, never a 500.
import { HttpError } from './problem';

export interface Cursor { createdAt: Date; id: string }

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id])).toString('base64url');
}

export function decodeCursor(text: string | undefined): Cursor | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [string, string];
    const createdAt = new Date(at);
    const year = createdAt.getUTCFullYear();
    // Only dates this API could have issued; others would overflow PostgreSQL's timestamp range.
    if (typeof id !== 'string' || !UUID.test(id) || Number.isNaN(createdAt.getTime()) || year < 2000 || year > 9999) throw new Error('bad cursor');
    return { createdAt, id };
  } catch {
    throw new HttpError(400, 'VALIDATION_FAILED', 'the cursor is not valid', [{ path: 'cursor', message: 'not a cursor returned by this API' }]);
  }
}

/** Newest first, ties broken by id: the rows strictly after the cursor. */
export function afterCursor(cursor: Cursor | undefined) {
  if (!cursor) return {};
  return { OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }] };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
