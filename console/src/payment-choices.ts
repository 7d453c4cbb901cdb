// The payment provider's and carrier's documented test inputs (docs/API.md, "Simulated outside
// parties"), offered by name so a person can try each path of the saga.

export const PAYMENT_CHOICES = [
  { token: 'tok_visa', label: 'Card that pays', hint: 'the happy path' },
  { token: 'tok_decline', label: 'Card that is declined', hint: 'the saga releases credit and stock' },
  { token: 'tok_flaky', label: 'Flaky provider', hint: 'fails twice, then pays, never charging twice' },
  { token: 'tok_decline_more', label: 'Pays once only', hint: 'the first charge passes; a revision\'s extra charge is declined' },
] as const;

export const COUNTRIES = [
  { code: 'US', name: 'United States' },
  { code: 'GB', name: 'United Kingdom' },
  { code: 'DE', name: 'Germany' },
  { code: 'FR', name: 'France' },
  { code: 'NL', name: 'Netherlands' },
  { code: 'CA', name: 'Canada' },
  { code: 'JP', name: 'Japan' },
  { code: 'AQ', name: 'Antarctica (the carrier does not deliver here)' },
] as const;
