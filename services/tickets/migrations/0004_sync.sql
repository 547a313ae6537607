-- Incremental sync (`updated_since` on the lists; docs/tickets.md).
--
-- Comments get `updated_at` (none are edited yet, so it is their creation time), and the
-- per-ticket list its `(updated_at, id)` order from an index.
ALTER TABLE comments ADD COLUMN updated_at timestamptz;
SELECT set_config('servelo.all_orgs', 'on', true);
UPDATE comments SET updated_at = created_at;
SELECT set_config('servelo.all_orgs', '', true);
ALTER TABLE comments
  ALTER COLUMN updated_at SET DEFAULT clock_timestamp(),
  ALTER COLUMN updated_at SET NOT NULL;
CREATE INDEX comments_sync ON comments (ticket_id, updated_at, id);

-- Tickets changed since an instant, live and trashed together: a sync client sees a
-- ticket move to the Trash (`deleted_at` set) and back. `tickets_live_updated` serves
-- the live list's `sort=updated_at` and stays.
CREATE INDEX tickets_sync ON tickets (org_id, updated_at, id);
