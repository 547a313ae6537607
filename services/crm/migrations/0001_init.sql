-- CRM: clients (customers) and quotes. search_path is the `crm` schema.

-- Trigrams of a text, for substring search without the pg_trgm extension: the embedded
-- PostgreSQL ships no contrib, and creating pg_trgm needs CREATE on the database (a
-- grant the service role lacks). A GIN index on this array answers `@>` for the
-- trigrams of the search term; LIKE on the client row then confirms the match.
CREATE FUNCTION search_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(t, i, 3)), '{}')
  FROM generate_series(1, length(t) - 2) AS i
$$;

CREATE TABLE customers (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id      uuid NOT NULL,
  name        text NOT NULL,
  email       text,                 -- lowercased
  phone       text,                 -- digits with an optional leading +
  address     text,
  notes       text,
  version     integer NOT NULL DEFAULT 1,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  search_text text GENERATED ALWAYS AS (
    lower(name) || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '')) STORED,
  UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX customers_org_email ON customers (org_id, email) WHERE email IS NOT NULL;
CREATE INDEX customers_page ON customers (org_id, created_at DESC, id DESC);
CREATE INDEX customers_updated ON customers (org_id, updated_at);
SELECT enable_tenant_isolation('customers');

-- The search index lives beside the clients, without row-level security, on purpose:
-- under RLS PostgreSQL uses an index only for leakproof operators, and neither `@>` nor
-- LIKE (nor pg_trgm's or tsvector's) is one, so a GIN index on `customers` itself is never
-- used. This table holds ids and trigrams only; the search joins it back to `customers`,
-- whose RLS still hides every other org's row.
CREATE TABLE customer_search (
  customer_id  uuid PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
  org_id       uuid NOT NULL,
  grams        text[] NOT NULL
);
CREATE INDEX customer_search_grams ON customer_search USING gin (grams);

CREATE FUNCTION customers_search_sync() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  INSERT INTO customer_search (customer_id, org_id, grams)
  VALUES (NEW.id, NEW.org_id, search_grams(NEW.search_text))
  ON CONFLICT (customer_id) DO UPDATE SET grams = EXCLUDED.grams;
  RETURN NULL;
END $$;
CREATE TRIGGER customers_search_sync AFTER INSERT OR UPDATE OF name, email, phone
  ON customers FOR EACH ROW EXECUTE FUNCTION customers_search_sync();

CREATE TABLE quotes (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id       uuid NOT NULL,
  number       integer NOT NULL,
  customer_id  uuid NOT NULL,
  status       text NOT NULL DEFAULT 'draft'
               CHECK (status IN ('draft', 'sent', 'accepted', 'declined')),
  -- [{description, quantity, unit_price, total}] with decimals as strings, never floats.
  line_items   jsonb NOT NULL DEFAULT '[]',
  tax_rate     numeric(7,4) NOT NULL DEFAULT 0,
  subtotal     numeric(14,2) NOT NULL DEFAULT 0,
  tax          numeric(14,2) NOT NULL DEFAULT 0,
  total        numeric(14,2) NOT NULL DEFAULT 0,
  valid_until  date,
  notes        text,
  sent_at      timestamptz,
  accepted_at  timestamptz,
  declined_at  timestamptz,
  created_by   uuid,
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, number),
  -- A client with quotes cannot be deleted (the API answers 409 first).
  FOREIGN KEY (org_id, customer_id) REFERENCES customers (org_id, id) ON DELETE RESTRICT
);
CREATE INDEX quotes_page ON quotes (org_id, created_at DESC, id DESC);
CREATE INDEX quotes_customer ON quotes (org_id, customer_id, created_at DESC, id DESC);
CREATE INDEX quotes_updated ON quotes (org_id, updated_at);
SELECT enable_tenant_isolation('quotes');

-- One row per org, locked by the INSERT ... ON CONFLICT that takes the next number, so
-- concurrent creates queue on it and a rolled-back create gives its number back.
CREATE TABLE quote_counters (
  org_id       uuid PRIMARY KEY,
  last_number  integer NOT NULL
);
SELECT enable_tenant_isolation('quote_counters');

-- This service's copy of the org settings auth publishes (`settings-updated`).
CREATE TABLE org_settings (
  org_id            uuid PRIMARY KEY,
  default_tax_rate  numeric(7,4),
  currency          text,
  company_name      text,
  event_time        timestamptz NOT NULL
);
SELECT enable_tenant_isolation('org_settings');
