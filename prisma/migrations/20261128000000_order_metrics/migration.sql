-- Order metrics kept up to date by the database (issue 12): orders by status and a histogram of saga
-- durations (placement → final status), maintained by a trigger on "orders", so GET /metrics reads
-- these few rows instead of aggregating every order. Exact (written in the transaction that changes
-- the order, so a rollback leaves no trace), shared by every API process, and kept across restarts.
--
-- Each counter is split into 16 shards picked by the order id, and the trigger is deferred to commit:
-- concurrent sagas rarely touch the same counter row, and hold its lock only while they commit.
-- A scrape sums at most 8 statuses × 16 shards + 3 final statuses × 13 buckets × 16 shards rows.

-- CreateTable
CREATE TABLE "order_status_counts" (
    "status" TEXT NOT NULL,
    "shard" SMALLINT NOT NULL,
    "orders" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "order_status_counts_pkey" PRIMARY KEY ("status","shard")
);

-- CreateTable
-- One row per (final status, bucket, shard); buckets are NOT cumulative here: "le" is the smallest
-- bound a saga's duration fits under ('Infinity' above the last), and the API accumulates them.
CREATE TABLE "saga_duration_buckets" (
    "status" TEXT NOT NULL,
    "le" DOUBLE PRECISION NOT NULL,
    "shard" SMALLINT NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,
    "sum_seconds" DOUBLE PRECISION NOT NULL DEFAULT 0,

    CONSTRAINT "saga_duration_buckets_pkey" PRIMARY KEY ("status","le","shard")
);

-- The histogram's bucket bounds in seconds: the same list as SAGA_BUCKETS in api/metrics.ts.
CREATE FUNCTION "saga_duration_le"(seconds DOUBLE PRECISION) RETURNS DOUBLE PRECISION AS $$
  SELECT coalesce(min(b), 'Infinity'::float8)
  FROM unnest('{0.1,0.25,0.5,1,2.5,5,10,30,60,300,900,3600}'::float8[]) AS b
  WHERE seconds <= b
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION "order_metrics_shard"(id UUID) RETURNS SMALLINT AS $$
  SELECT (get_byte(uuid_send(id), 15) & 15)::smallint
$$ LANGUAGE sql IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION "count_order_status"() RETURNS trigger AS $$
DECLARE
  -- v_ names: a plpgsql variable named like a column breaks ON CONFLICT ("shard") as ambiguous.
  v_final CONSTANT TEXT[] := ARRAY['SHIPPED', 'REJECTED', 'CANCELLED'];
  v_old TEXT := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD."status" END;
  v_new TEXT := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW."status" END;
  v_shard SMALLINT := "order_metrics_shard"(CASE WHEN TG_OP = 'DELETE' THEN OLD."id" ELSE NEW."id" END);
  v_seconds DOUBLE PRECISION;
BEGIN
  IF v_old IS NOT DISTINCT FROM v_new THEN
    RETURN NULL;
  END IF;
  -- Both rows in one statement, in key order, so two commits never wait on each other crosswise.
  INSERT INTO "order_status_counts" AS c ("status", "shard", "orders")
  SELECT v.s, v_shard, v.d FROM (VALUES (v_old, -1), (v_new, 1)) AS v(s, d) WHERE v.s IS NOT NULL ORDER BY v.s
  ON CONFLICT ("status", "shard") DO UPDATE SET "orders" = c."orders" + EXCLUDED."orders";
  -- A saga ends once: its first move into a final status is its one observation.
  IF v_new = ANY (v_final) AND (v_old IS NULL OR NOT v_old = ANY (v_final)) THEN
    v_seconds := greatest(0, extract(epoch FROM NEW."updated_at" - NEW."created_at"));
    INSERT INTO "saga_duration_buckets" AS h ("status", "le", "shard", "count", "sum_seconds")
    VALUES (v_new, "saga_duration_le"(v_seconds), v_shard, 1, v_seconds)
    ON CONFLICT ("status", "le", "shard") DO UPDATE SET "count" = h."count" + 1, "sum_seconds" = h."sum_seconds" + EXCLUDED."sum_seconds";
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

-- Created before the backfill: creating it locks out writers to "orders" until this migration commits
-- (platform/migrate.ts applies each migration in one transaction), so the backfill below sees every
-- order and none is counted twice.
CREATE CONSTRAINT TRIGGER "orders_count_status" AFTER INSERT OR DELETE OR UPDATE OF "status" ON "orders"
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION "count_order_status"();

CREATE FUNCTION "reset_order_status_counts"() RETURNS trigger AS $$
BEGIN
  DELETE FROM "order_status_counts";
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER "orders_truncate_counts" AFTER TRUNCATE ON "orders"
FOR EACH STATEMENT EXECUTE FUNCTION "reset_order_status_counts"();

-- Backfill from the orders already there; a finished order's duration is its last update.
INSERT INTO "order_status_counts" ("status", "shard", "orders")
SELECT "status", "order_metrics_shard"("id"), count(*) FROM "orders" GROUP BY 1, 2;

INSERT INTO "saga_duration_buckets" ("status", "le", "shard", "count", "sum_seconds")
SELECT "status", "saga_duration_le"(s), "order_metrics_shard"("id"), count(*), sum(s)
FROM (SELECT "id", "status", greatest(0, extract(epoch FROM "updated_at" - "created_at"))::float8 AS s
      FROM "orders" WHERE "status" IN ('SHIPPED', 'REJECTED', 'CANCELLED')) AS finished
GROUP BY 1, 2, 3;
