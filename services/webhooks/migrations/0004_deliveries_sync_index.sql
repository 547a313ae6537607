-- A webhook's delivery log with `updated_since` (its status changes): per endpoint, as
-- the log is listed, in `(updated_at, id)` order.
CREATE INDEX deliveries_sync ON deliveries (org_id, endpoint_id, updated_at, id);
