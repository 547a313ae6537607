-- A revocation has a scope: every access token of a user, of one session (refresh-token
-- family) or of a whole org issued before `revoked_at` is refused by the gateway.
ALTER TABLE revocations RENAME COLUMN user_id TO subject_id;
ALTER TABLE revocations
  ADD COLUMN scope text NOT NULL DEFAULT 'user' CHECK (scope IN ('user', 'session', 'org'));
ALTER TABLE revocations ALTER COLUMN scope DROP DEFAULT;
DROP INDEX revocations_recent;
CREATE INDEX revocations_recent ON revocations (revoked_at, scope, subject_id);
