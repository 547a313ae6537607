-- A deleted org leaves a tombstone in every schema (`purge.purge_org`), so that nothing
-- arriving late (an event from another durable consumer, a request that was in flight)
-- writes rows for it again. Deliberately keyed `id`, not `org_id`: it is not a row of the
-- org but the record of its absence, and it is not tenant-scoped.
CREATE TABLE org_tombstones (
  id          uuid PRIMARY KEY,
  deleted_at  timestamptz NOT NULL DEFAULT now()
);

-- The advisory lock a purge takes exclusively and every tenant transaction shared: a purge
-- waits for the org's transactions in flight, and a transaction that waited for a purge
-- sees its tombstone.
CREATE OR REPLACE FUNCTION servelo_org_lock_key(org uuid) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT hashtextextended('servelo.org:' || org::text, 0) $$;

-- The start of every tenant transaction (`db.tenant_tx`): scope row-level security to the
-- org, take its purge lock shared, then (a new snapshot: this function is VOLATILE, so a
-- purge committed while we waited is visible) say whether the org is deleted.
CREATE OR REPLACE FUNCTION servelo_enter_org(org uuid) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM set_config('servelo.org_id', org::text, true);
  PERFORM pg_advisory_xact_lock_shared(servelo_org_lock_key(org));
  RETURN EXISTS (SELECT 1 FROM org_tombstones WHERE id = org);
END $$;

-- Handled event ids are kept after a purge (without the org) so that a redelivery, or a
-- relay retry within JetStream's duplicate window, is still recognised.
CREATE INDEX inbox_org ON inbox (org_id) WHERE org_id IS NOT NULL;
