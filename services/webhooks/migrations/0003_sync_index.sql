-- Incremental sync (`updated_since` on `GET /api/webhooks`): endpoints changed since an
-- instant, in `(updated_at, id)` order, one index range scan per page.
CREATE INDEX endpoints_sync ON endpoints (org_id, updated_at, id);
