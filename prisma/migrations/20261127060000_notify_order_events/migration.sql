-- Live timelines by push (issue 12): every timeline entry notifies channel `order_events` with its
-- order id, in the transaction that writes it (delivered at commit; identical payloads of one
-- transaction are merged). API processes LISTEN once each and wake only the streams of that order.
CREATE FUNCTION "notify_order_event"() RETURNS trigger AS $$
BEGIN
  IF NEW."order_id" IS NOT NULL THEN
    PERFORM pg_notify('order_events', NEW."order_id"::text);
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER "domain_events_notify" AFTER INSERT ON "domain_events"
FOR EACH ROW EXECUTE FUNCTION "notify_order_event"();
