-- Payment card tokens never in clear in our tables (issue 13): the API exchanges a client's card token
-- for a payment-method reference of the provider's vault (`pm_…`) before it records anything, and the
-- saga charges the reference. The simulated provider's vault keeps, per reference, the documented
-- behaviour of the test token it was made from — never the token.
-- CreateTable
CREATE TABLE "provider_payment_methods" (
    "id" TEXT NOT NULL,
    "behaviour" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_payment_methods_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "provider_payment_methods_behaviour_check" CHECK ("behaviour" IN ('succeed', 'decline', 'flaky', 'decline_more'))
);

-- Rows written before hold card tokens: each token gets a payment method, and the provider's charges
-- and the outbox's saga inputs hold its reference instead (one statement; `methods` is computed once).
WITH legacy AS (
    SELECT token FROM provider_charges WHERE kind = 'charge' AND token !~ '^pm_[0-9a-f]{32}$'
    UNION
    SELECT input->>'paymentToken' FROM saga_starts WHERE input->>'paymentToken' !~ '^pm_[0-9a-f]{32}$'
), methods AS MATERIALIZED (
    SELECT token, 'pm_' || replace(gen_random_uuid()::text, '-', '') AS id FROM legacy
), vaulted AS (
    INSERT INTO provider_payment_methods (id, behaviour)
    SELECT id, CASE token WHEN 'tok_decline' THEN 'decline' WHEN 'tok_flaky' THEN 'flaky'
                          WHEN 'tok_decline_more' THEN 'decline_more' ELSE 'succeed' END
    FROM methods
), charges AS (
    UPDATE provider_charges c SET token = m.id FROM methods m WHERE c.kind = 'charge' AND c.token = m.token
)
UPDATE saga_starts s SET input = jsonb_set(s.input, '{paymentToken}', to_jsonb(m.id))
FROM methods m WHERE s.input->>'paymentToken' = m.token;
