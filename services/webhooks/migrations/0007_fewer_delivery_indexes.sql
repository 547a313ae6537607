-- Two indexes fewer on `deliveries`. Every delivery writes an entry in each index when it
-- is inserted, and again in each but `deliveries_due` when it succeeds (that update changes
-- `status` and `updated_at`, so it cannot be heap-only), and a vacuum removes both: at
-- 10,000 deliveries a second, descending six B-trees twice per delivery was the largest
-- part of what Postgres spent (`make bench`, perf: _bt_compare first).

-- 1. A delivery's id is derived from its endpoint and event (a version 8 UUID of their
-- SHA-256, RFC 9562 B.2), so the primary key refuses a second delivery of an event to an
-- endpoint, which the unique index on (endpoint_id, event_id) did. Ids made before keep
-- theirs: the feed's inbox already hands each event to the fan-out once.
CREATE FUNCTION delivery_id(endpoint_id uuid, event_id uuid) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT encode(set_byte(set_byte(h, 6, (get_byte(h, 6) & 15) | 128), 8, (get_byte(h, 8) & 63) | 128), 'hex')::uuid
  FROM substring(sha256(uuid_send(endpoint_id) || uuid_send(event_id)) FROM 1 FOR 16) AS h
$$;
ALTER TABLE deliveries DROP CONSTRAINT deliveries_endpoint_id_event_id_key;

-- 2. Retention deletes each endpoint's old deliveries along `deliveries_list`
-- (org_id, endpoint_id, created_at DESC, id DESC) instead of one index on created_at.
DROP INDEX deliveries_created;
