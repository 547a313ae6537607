-- One shape for every copy of crm's customers (servelo_common.replicas): the time of the
-- last event applied is `event_time`, and a name is never null.
ALTER TABLE customers RENAME COLUMN version TO event_time;
UPDATE customers SET name = '' WHERE name IS NULL;
ALTER TABLE customers ALTER COLUMN name SET DEFAULT '', ALTER COLUMN name SET NOT NULL;
