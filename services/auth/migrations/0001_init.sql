-- Auth owns the tenant registry (orgs), users, sessions (refresh-token families),
-- one-time login links, revocations, the audit trail and per-org settings.

-- The tenant registry itself: read by the gateway and the system admin across tenants,
-- so it has no row-level security (every other table here does).
CREATE TABLE orgs (
  id          uuid PRIMARY KEY,
  slug        text NOT NULL UNIQUE,
  name        text NOT NULL,
  plan        text NOT NULL DEFAULT 'free',
  active      boolean NOT NULL DEFAULT true,
  settings    jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id             uuid PRIMARY KEY,
  org_id         uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  email          text NOT NULL,
  name           text NOT NULL,
  role           text NOT NULL CHECK (role IN ('admin', 'manager', 'technician')),
  status         text NOT NULL CHECK (status IN ('invited', 'active', 'deactivated')),
  password_hash  text,
  phone          text,
  notes          text,
  avatar_url     text,
  preferences    jsonb NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, email)
);
CREATE INDEX users_page ON users (org_id, created_at DESC, id DESC);
CREATE INDEX users_active_by_name ON users (org_id, name, id) WHERE status = 'active';
SELECT enable_tenant_isolation('users');

-- One row per refresh-token family (a login); the family id is the session id.
CREATE TABLE sessions (
  id            uuid PRIMARY KEY,
  org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  current_hash  bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  revoked_at    timestamptz,
  user_agent    text,
  ip            text
);
CREATE INDEX sessions_user ON sessions (org_id, user_id, created_at DESC);
SELECT enable_tenant_isolation('sessions');

-- Every refresh token ever issued in a family, so a rotated one presented again is
-- recognised as reuse (and not just as an unknown string).
CREATE TABLE refresh_tokens (
  token_hash  bytea PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session_id);
SELECT enable_tenant_isolation('refresh_tokens');

-- Access tokens of a user issued before `revoked_at` are refused by the gateway.
CREATE TABLE revocations (
  id          bigserial PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  user_id     uuid NOT NULL,
  revoked_at  timestamptz NOT NULL
);
CREATE INDEX revocations_recent ON revocations (revoked_at);
SELECT enable_tenant_isolation('revocations');

CREATE TABLE magic_links (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash  bytea NOT NULL UNIQUE,
  purpose     text NOT NULL CHECK (purpose IN ('login', 'invite', 'admin_login')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX magic_links_user ON magic_links (org_id, user_id, created_at DESC);
SELECT enable_tenant_isolation('magic_links');

CREATE TABLE audit_log (
  id          uuid PRIMARY KEY,
  org_id      uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  actor_id    uuid,
  user_id     uuid,
  action      text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}',
  ip          text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_page ON audit_log (org_id, created_at DESC, id DESC);
SELECT enable_tenant_isolation('audit_log');

CREATE TABLE avatars (
  user_id       uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  content_type  text NOT NULL,
  data          bytea NOT NULL,
  updated_at    timestamptz NOT NULL DEFAULT now()
);
SELECT enable_tenant_isolation('avatars');
