-- A search reads only its org's entries of the GIN index.
--
-- Why: `ticket_search_lexemes` is one index for every org, so a search for a word common
-- on the platform read that word's matches in every org and dropped the other orgs' rows
-- by `org_id` afterwards (`bulk` in a 10,000-ticket org: 115 ms, the 1M-ticket org holding
-- most matches). `btree_gin`, for an (org_id, search) index, is contrib and absent from the
-- embedded PostgreSQL. Instead each row's `search` also holds one lexeme naming its org,
-- and every search ANDs that lexeme into its tsquery: GIN then intersects the word's
-- entries with the org's and no other org's row is read (a prefix's own index entries
-- are still read platform-wide; costs measured in docs/tickets.md).
--
-- The lexeme, `~org <uuid as 32 hex digits>`, is one the text can never produce: parsed
-- text yields no lexeme with a space in it. And no search word can reach it as a prefix:
-- search words are `\w+` (tickets.listing.search_terms), which never start with `~`.

CREATE FUNCTION ticket_search_org(org uuid) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN array_to_tsvector(ARRAY['~org ' || replace(org::text, '-', '')]);

-- The tsquery of a search: `terms` (to_tsquery syntax, built by the service from `\w+`
-- words) AND the org's lexeme, quoted as one tsquery operand (`'~org ...'`), never pasted
-- into `terms`. A query without lexemes (`q=___`) stays empty, so it matches nothing as
-- before rather than, reduced to the org's lexeme, every ticket of the org. Not STRICT,
-- so the planner inlines it (a STRICT one stays a function call, ~4 us per row filtered).
CREATE FUNCTION ticket_search_query(org uuid, terms text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN numnode(to_tsquery('simple', terms)) = 0 THEN ''::tsquery
            ELSE to_tsquery('simple', terms)
                 && quote_literal('~org ' || replace(org::text, '-', ''))::tsquery END;

CREATE OR REPLACE FUNCTION tickets_search_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO ticket_search (ticket_id, org_id, search)
  VALUES (NEW.id, NEW.org_id, to_tsvector('simple', NEW.title || ' ' || NEW.description)
                              || ticket_search_org(NEW.org_id))
  ON CONFLICT (ticket_id) DO UPDATE SET search = EXCLUDED.search;
  RETURN NULL;
END $$;

-- Every row again from its ticket, the index built once at the end (faster than updating
-- it row by row). Searches wait for this transaction (the table is locked throughout).
DROP INDEX ticket_search_lexemes;
TRUNCATE ticket_search;
SELECT set_config('servelo.all_orgs', 'on', true);
INSERT INTO ticket_search (ticket_id, org_id, search)
SELECT id, org_id, to_tsvector('simple', title || ' ' || description) || ticket_search_org(org_id)
FROM tickets;
SELECT set_config('servelo.all_orgs', '', true);
CREATE INDEX ticket_search_lexemes ON ticket_search USING gin (search);
