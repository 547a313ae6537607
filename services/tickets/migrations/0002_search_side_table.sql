-- Full-text search moves to a side table without row-level security.
--
-- Why: under RLS PostgreSQL applies a user's qual before the policy's only when the qual's
-- operator is leakproof, and tsvector's `@@` is not. So `tickets_search` (GIN on
-- tickets.search) was never used by the service role: `q` filtered every live ticket of
-- the org (EXPLAIN in docs/tickets.md). `ticket_search` holds ids, org ids and lexemes
-- only; a search selects ticket ids from it with an explicit org_id filter and joins them
-- back to `tickets`, whose RLS still hides every other org's row.

CREATE TABLE ticket_search (
  ticket_id  uuid PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
  org_id     uuid NOT NULL,
  search     tsvector NOT NULL
);
CREATE INDEX ticket_search_lexemes ON ticket_search USING gin (search);
-- No index on org_id, on purpose: a plan could prefer it to the GIN index and read a
-- whole org. Rows go with their ticket (the cascade), org-deleted included.

-- Kept in step by a trigger, so every write path (API, event handlers, bulk loads) and the
-- ticket's own transaction agree: a ticket is searchable exactly when it is committed.
-- The same expression as the column it replaces: `simple` configuration, no stemming.
CREATE FUNCTION tickets_search_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO ticket_search (ticket_id, org_id, search)
  VALUES (NEW.id, NEW.org_id, to_tsvector('simple', NEW.title || ' ' || NEW.description))
  ON CONFLICT (ticket_id) DO UPDATE SET search = EXCLUDED.search;
  RETURN NULL;
END $$;
CREATE TRIGGER tickets_search_sync AFTER INSERT OR UPDATE OF title, description
  ON tickets FOR EACH ROW EXECUTE FUNCTION tickets_search_sync();

-- Existing tickets of every org (the migration runs as the service role, under RLS).
SELECT set_config('servelo.all_orgs', 'on', true);
INSERT INTO ticket_search (ticket_id, org_id, search)
SELECT id, org_id, to_tsvector('simple', title || ' ' || description) FROM tickets;
SELECT set_config('servelo.all_orgs', '', true);

-- The column and its index were only ever read by the search, which no longer uses them.
ALTER TABLE tickets DROP COLUMN search;
