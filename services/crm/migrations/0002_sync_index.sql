-- Incremental sync (`updated_since` on the lists): rows changed since an instant, in
-- `(updated_at, id)` order, one index range scan per page. Replaces the (org_id,
-- updated_at) indexes, which could not continue a page within one timestamp.
CREATE INDEX customers_sync ON customers (org_id, updated_at, id);
DROP INDEX customers_updated;
CREATE INDEX quotes_sync ON quotes (org_id, updated_at, id);
DROP INDEX quotes_updated;
