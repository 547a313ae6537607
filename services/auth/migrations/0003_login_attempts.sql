-- Sign-in throttling that holds across replicas (docs/auth.md, "Sign-in limits").

-- Failed sign-ins per (org, email digest) and per (org, client address), with the lock they
-- earned. Every password attempt counts when it starts and is taken back when it succeeds.
CREATE TABLE login_attempts (
  org_id           uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  scope            text NOT NULL CHECK (scope IN ('email', 'ip')),
  key              text NOT NULL,               -- sha256 of the email, or the address
  failures         integer NOT NULL DEFAULT 0,
  last_failure_at  timestamptz,
  locked_until     timestamptz,
  PRIMARY KEY (org_id, scope, key)
);
CREATE INDEX login_attempts_last_failure ON login_attempts (last_failure_at);
SELECT enable_tenant_isolation('login_attempts');

-- Magic-link requests, answered at once and worked off in the background, so the answer
-- takes as long for an unknown address as for a known one. A row stays until the work is
-- done (a replica that dies leaves it to the next pass of any replica).
CREATE TABLE magic_link_requests (
  id            bigserial PRIMARY KEY,
  org_id        uuid NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
  email         text NOT NULL,
  ip            text,
  requested_at  timestamptz NOT NULL DEFAULT now()
);
SELECT enable_tenant_isolation('magic_link_requests');
