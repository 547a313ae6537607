-- Finance: revenue and expense entries, plus the copies of other services' data it needs.

-- Money is numeric(14,2) and strictly positive; dates are calendar dates (no time zone).
CREATE TABLE revenue (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  date         date NOT NULL,
  amount       numeric(14,2) NOT NULL CHECK (amount > 0),
  category     text NOT NULL,
  description  text NOT NULL DEFAULT '',
  customer_id  uuid,
  quote_id     uuid,
  status       text NOT NULL DEFAULT 'received' CHECK (status IN ('pending', 'received')),
  created_by   uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
-- An accepted quote books revenue once, even if crm re-sends the event with a new id.
CREATE UNIQUE INDEX revenue_quote ON revenue (org_id, quote_id) WHERE quote_id IS NOT NULL;
-- Keyset pagination (date desc, id desc) and the summary's date ranges.
CREATE INDEX revenue_by_date ON revenue (org_id, date DESC, id DESC);
CREATE INDEX revenue_by_customer ON revenue (org_id, customer_id, date DESC, id DESC)
  WHERE customer_id IS NOT NULL;
SELECT enable_tenant_isolation('revenue');

CREATE TABLE expenses (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  date         date NOT NULL,
  amount       numeric(14,2) NOT NULL CHECK (amount > 0),
  category     text NOT NULL,
  description  text NOT NULL DEFAULT '',
  vendor       text,
  created_by   uuid,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX expenses_by_date ON expenses (org_id, date DESC, id DESC);
SELECT enable_tenant_isolation('expenses');

-- crm's customers, kept from its events, so revenue can check `customer_id` without a call.
-- A deleted customer stays as a tombstone so a late `customer-updated` cannot revive it;
-- `version_at` (the event time) makes an older event lose to a newer one.
CREATE TABLE customers (
  org_id      uuid NOT NULL,
  id          uuid NOT NULL,
  name        text NOT NULL DEFAULT '',
  deleted     boolean NOT NULL DEFAULT false,
  version_at  timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
SELECT enable_tenant_isolation('customers');

-- The org's settings finance needs (currency), kept from auth's `settings-updated`.
CREATE TABLE org_settings (
  org_id      uuid PRIMARY KEY,
  currency    text NOT NULL DEFAULT 'USD',
  version_at  timestamptz NOT NULL
);
SELECT enable_tenant_isolation('org_settings');
