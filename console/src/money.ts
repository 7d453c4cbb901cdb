// Money is integer cents everywhere (docs/API.md); this is the only place it becomes text.
const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** Exact for any integer amount the API accepts (up to 10^10 cents, well inside a double's integers). */
export const formatCents = (cents: number): string => dollars.format(cents / 100);
