-- Tables every service schema has: the outbox, the inbox, dead letters, idempotency keys.

-- Enable and force tenant isolation on a table with an org_id column. FORCE applies the
-- policy to the table owner too (services run as their schema's owner).
CREATE OR REPLACE FUNCTION enable_tenant_isolation(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s USING ('
    'org_id = NULLIF(current_setting(''servelo.org_id'', true), '''')::uuid '
    'OR current_setting(''servelo.all_orgs'', true) = ''on'')', tbl);
END $$;

CREATE TABLE outbox (
  seq           bigserial PRIMARY KEY,
  id            uuid NOT NULL UNIQUE,          -- the event id, sent as Nats-Msg-Id
  subject       text NOT NULL,
  event         jsonb NOT NULL,                -- the whole CloudEvent
  created_at    timestamptz NOT NULL DEFAULT now(),
  published_at  timestamptz,
  attempts      integer NOT NULL DEFAULT 0,
  last_error    text
);
CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_published ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Wake the relay as soon as a transaction that wrote events commits.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('servelo_outbox_' || TG_TABLE_SCHEMA, '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Events this service has handled, so a redelivered event changes nothing.
CREATE TABLE inbox (
  consumer    text NOT NULL,
  event_id    uuid NOT NULL,
  org_id      uuid,
  type        text NOT NULL,
  handled_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, event_id)
);

-- Events a handler failed on after every delivery attempt, kept for an operator.
CREATE TABLE dead_letters (
  id          bigserial PRIMARY KEY,
  consumer    text NOT NULL,
  event_id    uuid,
  subject     text NOT NULL,
  payload     text NOT NULL,
  error       text NOT NULL,
  deliveries  integer NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE idempotency_keys (
  org_id        uuid NOT NULL,
  user_id       uuid,
  key           text NOT NULL,
  method        text NOT NULL,
  path          text NOT NULL,
  request_hash  text NOT NULL,
  status        integer,                       -- NULL while the first request runs
  body          bytea,
  headers       jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, key, method, path)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
SELECT enable_tenant_isolation('idempotency_keys');
