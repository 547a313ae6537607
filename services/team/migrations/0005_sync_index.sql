-- Incremental sync (`updated_since` on the lists): rows changed since an instant, in
-- `(updated_at, id)` order, one index range scan per page.
CREATE INDEX roles_sync ON roles (org_id, updated_at, id);
CREATE INDEX team_members_sync ON team_members (org_id, updated_at, id);
CREATE INDEX projects_sync ON projects (org_id, updated_at, id);
CREATE INDEX allocations_sync ON allocations (org_id, updated_at, id);
CREATE INDEX actuals_sync ON actuals (org_id, updated_at, id);
