-- Incremental sync (`updated_since` on the lists): rows changed since an instant, in
-- `(updated_at, id)` order, one index range scan per page.
CREATE INDEX revenue_sync ON revenue (org_id, updated_at, id);
CREATE INDEX expenses_sync ON expenses (org_id, updated_at, id);
