-- webhooks: endpoints, their signing secrets (encrypted), deliveries, and the event feed.

CREATE TABLE endpoints (
  id               uuid PRIMARY KEY,
  org_id           uuid NOT NULL,
  url              text NOT NULL,
  events           text[] NOT NULL,
  description      text,
  active           boolean NOT NULL DEFAULT true,
  disabled_reason  text,                       -- set when the platform disabled it
  failing_since    timestamptz,                -- first failed attempt since the last success
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id)
);
CREATE INDEX endpoints_list ON endpoints (org_id, created_at DESC, id DESC);
CREATE INDEX endpoints_active ON endpoints (org_id) WHERE active;
SELECT enable_tenant_isolation('endpoints');

-- AES-GCM sealed `whsec_...` values (webhooks.crypto); a rotated one signs until expires_at.
CREATE TABLE endpoint_secrets (
  id           bigserial PRIMARY KEY,
  org_id       uuid NOT NULL,
  endpoint_id  uuid NOT NULL,
  sealed       bytea NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  FOREIGN KEY (org_id, endpoint_id) REFERENCES endpoints (org_id, id) ON DELETE CASCADE
);
CREATE INDEX endpoint_secrets_endpoint ON endpoint_secrets (endpoint_id, created_at DESC);
CREATE INDEX endpoint_secrets_expiry ON endpoint_secrets (expires_at) WHERE expires_at IS NOT NULL;
SELECT enable_tenant_isolation('endpoint_secrets');

-- The feed: every event of a tenant, numbered by feed_counters in the consumer's
-- transaction (the counter row's lock orders commits, so a sequence once read never moves).
CREATE TABLE feed_counters (
  org_id         uuid PRIMARY KEY,
  last_sequence  bigint NOT NULL
);
SELECT enable_tenant_isolation('feed_counters');

CREATE TABLE events (
  org_id       uuid NOT NULL,
  sequence     bigint NOT NULL,
  id           uuid NOT NULL,
  type         text NOT NULL,
  event        json NOT NULL,                  -- the CloudEvent as received (key order kept)
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, sequence),
  UNIQUE (org_id, id)
);
CREATE INDEX events_by_type ON events (org_id, type, sequence);
CREATE INDEX events_received ON events (received_at);
SELECT enable_tenant_isolation('events');

-- Long-polls of the feed wake on this (payload: the org id), on every replica.
CREATE OR REPLACE FUNCTION feed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('servelo_feed_' || TG_TABLE_SCHEMA, NEW.org_id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER feed_notify AFTER INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION feed_notify();

-- One row per (endpoint, event): retries and redeliveries update it.
CREATE TABLE deliveries (
  id               uuid PRIMARY KEY,
  org_id           uuid NOT NULL,
  endpoint_id      uuid NOT NULL,
  event_id         uuid NOT NULL,
  type             text NOT NULL,
  payload          json,                       -- only for events not in the feed (webhook-test)
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  response_status  integer,
  duration_ms      integer,
  error            text,
  next_attempt_at  timestamptz,                -- NULL once succeeded or failed
  claimed_until    timestamptz,                -- a dispatcher is on it until then
  retry_from       timestamptz NOT NULL DEFAULT now(),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (endpoint_id, event_id),
  FOREIGN KEY (org_id, endpoint_id) REFERENCES endpoints (org_id, id) ON DELETE CASCADE
);
CREATE INDEX deliveries_due ON deliveries (endpoint_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_list ON deliveries (org_id, endpoint_id, created_at DESC, id DESC);
CREATE INDEX deliveries_created ON deliveries (created_at);
SELECT enable_tenant_isolation('deliveries');

CREATE OR REPLACE FUNCTION deliveries_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('servelo_deliveries_' || TG_TABLE_SCHEMA, '');
  RETURN NULL;
END $$;
CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries
  FOR EACH STATEMENT EXECUTE FUNCTION deliveries_notify();

-- Orgs deleted by auth: late events about them are ignored.
CREATE TABLE purged_orgs (
  id         uuid PRIMARY KEY,
  purged_at  timestamptz NOT NULL DEFAULT now()
);
