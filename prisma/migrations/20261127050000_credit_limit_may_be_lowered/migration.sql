-- An admin may lower a credit limit below what is already held or consumed (holds stay; later
-- reservations are refused), so the database no longer ties used credit to the current limit.
ALTER TABLE "credit_lines" DROP CONSTRAINT "credit_lines_balance_valid";
ALTER TABLE "credit_lines" ADD CONSTRAINT "credit_lines_balance_valid" CHECK ("held_cents" >= 0 AND "consumed_cents" >= 0 AND "limit_cents" >= 0);
