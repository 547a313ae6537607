-- Incremental sync (`updated_since` on `GET /api/users`): users changed since an instant,
-- in `(updated_at, id)` order, one index range scan per page.
CREATE INDEX users_sync ON users (org_id, updated_at, id);
