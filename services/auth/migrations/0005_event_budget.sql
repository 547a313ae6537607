-- Failed and refused sign-ins are events of the tenant's feed while a per-org budget per
-- minute lasts (auth.domain.audit): one row per org and kind, shared by every replica, so
-- a password spray writes at most that many events (the audit trail keeps every attempt).
CREATE TABLE event_budget (
  org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  kind          text NOT NULL,
  window_start  timestamptz NOT NULL,
  used          integer NOT NULL,
  PRIMARY KEY (org_id, kind)
);
SELECT enable_tenant_isolation('event_budget');
