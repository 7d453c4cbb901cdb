-- A repeat of an Idempotency-Key answers with the first answer's very body: `json` keeps the text as
-- written (key order included), `jsonb` would reorder keys.
-- AlterTable
ALTER TABLE "idempotency_keys" ALTER COLUMN "response" SET DATA TYPE JSON;
