-- The dispatchers are woken only when a statement inserted deliveries. The trigger fired for
-- every statement, and the feed's consumer fans out every event, most of them to no
-- endpoint: each such event woke every dispatcher for a claim that found nothing (~8 % of
-- the webhooks process under a stream of ticket creates, with no endpoint at all).
CREATE OR REPLACE FUNCTION deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT FROM inserted) THEN
    PERFORM pg_notify('servelo_deliveries_' || TG_TABLE_SCHEMA, '');
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER deliveries_notify ON deliveries;
CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries
  REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION deliveries_notify();
