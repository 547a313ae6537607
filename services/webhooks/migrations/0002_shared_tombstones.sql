-- Purged orgs are the platform's tombstones now (platform migration 0004), checked by the
-- shared consumer before any handler runs: move what purged_orgs recorded there.
INSERT INTO org_tombstones (id, deleted_at)
  SELECT id, purged_at FROM purged_orgs ON CONFLICT DO NOTHING;
DROP TABLE purged_orgs;
