-- Money (issue 11): every cents column is 64-bit; payments keep a per-charge ledger; the simulated
-- provider records which charge a refund reverses; orders remember the saga run that owns them.

-- AlterTable
ALTER TABLE "orders" ALTER COLUMN "total_cents" SET DATA TYPE BIGINT,
ADD COLUMN     "saga_run_id" TEXT;

-- AlterTable
ALTER TABLE "products" ALTER COLUMN "price_cents" SET DATA TYPE BIGINT;

-- AlterTable
ALTER TABLE "credit_lines" ALTER COLUMN "limit_cents" SET DATA TYPE BIGINT,
ALTER COLUMN "held_cents" SET DATA TYPE BIGINT,
ALTER COLUMN "consumed_cents" SET DATA TYPE BIGINT;

-- AlterTable
ALTER TABLE "credit_reservations" ALTER COLUMN "amount_cents" SET DATA TYPE BIGINT;

-- CreateTable
CREATE TABLE "payment_charges" (
    "id" UUID NOT NULL,
    "payment_id" UUID NOT NULL,
    "step_key" TEXT NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "refunded_cents" BIGINT NOT NULL DEFAULT 0,
    "outcome" TEXT NOT NULL,
    "provider_charge_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_charges_pkey" PRIMARY KEY ("id"),
    -- A refund never exceeds what is left of the charge it names.
    CONSTRAINT "payment_charges_refund_bounded" CHECK ("refunded_cents" >= 0 AND "refunded_cents" <= "amount_cents")
);

-- Existing payments become one charge each (their whole amount, as they were recorded).
INSERT INTO "payment_charges" ("id", "payment_id", "step_key", "amount_cents", "refunded_cents", "outcome", "provider_charge_id", "created_at")
SELECT "id", "id", "order_id"::text || ':charge', "amount_cents", "refunded_cents",
       CASE WHEN "status" = 'DECLINED' THEN 'DECLINED' ELSE 'SUCCEEDED' END, "provider_charge_id", "created_at"
FROM "payments";

-- AlterTable
ALTER TABLE "payments" RENAME COLUMN "amount_cents" TO "charged_cents";
UPDATE "payments" SET "charged_cents" = 0 WHERE "status" = 'DECLINED';
ALTER TABLE "payments" DROP COLUMN "provider_charge_id",
ALTER COLUMN "charged_cents" SET DATA TYPE BIGINT,
ALTER COLUMN "charged_cents" SET DEFAULT 0,
ALTER COLUMN "refunded_cents" SET DATA TYPE BIGINT;

-- AlterTable
ALTER TABLE "provider_charges" ADD COLUMN     "reference" TEXT,
ADD COLUMN     "refund_of" TEXT,
ALTER COLUMN "amount_cents" SET DATA TYPE BIGINT;
UPDATE "provider_charges" SET "refund_of" = "token" WHERE "kind" = 'refund';

-- CreateIndex
CREATE UNIQUE INDEX "payment_charges_step_key_key" ON "payment_charges"("step_key");

-- CreateIndex
CREATE INDEX "payment_charges_payment_id_idx" ON "payment_charges"("payment_id");

-- CreateIndex
CREATE INDEX "provider_charges_charge_id_idx" ON "provider_charges"("charge_id");

-- CreateIndex
CREATE INDEX "provider_charges_refund_of_idx" ON "provider_charges"("refund_of");

-- CreateIndex
CREATE INDEX "provider_charges_reference_idx" ON "provider_charges"("reference");
