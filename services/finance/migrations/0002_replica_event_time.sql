-- One name for "the time of the last event applied" in every copy of another service's
-- data (servelo_common.replicas; tickets, crm and team use `event_time` too).
ALTER TABLE customers RENAME COLUMN version_at TO event_time;
ALTER TABLE org_settings RENAME COLUMN version_at TO event_time;
