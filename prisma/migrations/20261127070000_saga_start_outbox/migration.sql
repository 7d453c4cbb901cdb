-- POST /orders without a transaction held across Temporal (issue 12): the order row, its
-- Idempotency-Key and this outbox row commit together; the saga is started after the commit and the
-- row deleted. A row left behind (the API died in between) is started by the API's outbox sweeper.
-- CreateTable
CREATE TABLE "saga_starts" (
    "order_id" UUID NOT NULL,
    "input" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "saga_starts_pkey" PRIMARY KEY ("order_id")
);

-- CreateIndex
CREATE INDEX "saga_starts_created_at_idx" ON "saga_starts"("created_at");

-- CreateIndex
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys"("created_at");
