-- Orgs purged before the platform's tombstones (platform migration 0004) were recorded in
-- purged_orgs; move them there, so the shared consumer refuses their late events too.
INSERT INTO org_tombstones (id, deleted_at)
  SELECT id, purged_at FROM purged_orgs ON CONFLICT DO NOTHING;
DROP TABLE purged_orgs;
