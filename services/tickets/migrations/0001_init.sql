-- Tickets, their comments and photos, the per-org number counter, and this service's own
-- copies of users (from auth) and customers (from crm) used to validate references
-- without calling another service on the request path.

-- One row per org; `UPDATE ... SET next_number = next_number + 1` in the creating
-- transaction gives gapless numbers: a rolled-back create releases its number.
CREATE TABLE ticket_counters (
  org_id       uuid PRIMARY KEY,
  next_number  bigint NOT NULL
);
SELECT enable_tenant_isolation('ticket_counters');

CREATE TABLE users (
  org_id      uuid NOT NULL,
  id          uuid NOT NULL,
  name        text NOT NULL DEFAULT '',
  email       text NOT NULL DEFAULT '',
  role        text NOT NULL DEFAULT '',
  active      boolean NOT NULL,
  deleted     boolean NOT NULL DEFAULT false,
  event_time  timestamptz NOT NULL,          -- time of the event that wrote this row
  PRIMARY KEY (org_id, id)
);
SELECT enable_tenant_isolation('users');

CREATE TABLE customers (
  org_id      uuid NOT NULL,
  id          uuid NOT NULL,
  name        text NOT NULL DEFAULT '',
  deleted     boolean NOT NULL DEFAULT false,
  event_time  timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
SELECT enable_tenant_isolation('customers');

CREATE TABLE tickets (
  id            uuid PRIMARY KEY,
  org_id        uuid NOT NULL,
  number        bigint NOT NULL,
  title         text NOT NULL,
  description   text NOT NULL DEFAULT '',
  status        text NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'in_progress', 'on_hold', 'resolved', 'closed')),
  priority      text NOT NULL DEFAULT 'normal'
                CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
  customer_id   uuid,
  assignee_id   uuid,
  scheduled_at  timestamptz,
  created_by    uuid,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
  deleted_at    timestamptz,
  search        tsvector GENERATED ALWAYS AS (
                  to_tsvector('simple', title || ' ' || description)) STORED,
  UNIQUE (org_id, number)
);
SELECT enable_tenant_isolation('tickets');

-- Keyset pages for each sort the API offers, on live tickets (the Trash is small).
CREATE INDEX tickets_live_created ON tickets (org_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tickets_live_updated ON tickets (org_id, updated_at, id) WHERE deleted_at IS NULL;
-- Unscheduled tickets sort after every scheduled one (ascending).
CREATE INDEX tickets_live_scheduled ON tickets
  (org_id, (coalesce(scheduled_at, '9999-12-31 00:00:00+00'::timestamptz)), id)
  WHERE deleted_at IS NULL;
-- The common filters, in the default order.
CREATE INDEX tickets_live_status ON tickets (org_id, status, created_at, id)
  WHERE deleted_at IS NULL;
CREATE INDEX tickets_live_assignee ON tickets (org_id, assignee_id, created_at, id)
  WHERE deleted_at IS NULL;
CREATE INDEX tickets_live_customer ON tickets (org_id, customer_id, created_at, id)
  WHERE deleted_at IS NULL;
CREATE INDEX tickets_trash ON tickets (org_id, deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX tickets_search ON tickets USING gin (search);

CREATE TABLE comments (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL,
  ticket_id   uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  author_id   uuid NOT NULL,
  body        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX comments_ticket ON comments (ticket_id, created_at, id);
SELECT enable_tenant_isolation('comments');

CREATE TABLE photos (
  id            uuid PRIMARY KEY,
  org_id        uuid NOT NULL,
  ticket_id     uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  storage_key   text NOT NULL,
  content_type  text NOT NULL,
  size          bigint NOT NULL,
  filename      text,
  uploaded_by   uuid,
  created_at    timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX photos_ticket ON photos (ticket_id, created_at, id);
SELECT enable_tenant_isolation('photos');
