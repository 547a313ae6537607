-- `servelo_enter_org` for the one-round-trip start of a tenant transaction (`db.tenant_tx`
-- sends `BEGIN; SELECT servelo_enter_org_or_refuse(...)` as one simple-query message, which
-- answers no rows to the caller): a deleted org is an error of its own SQLSTATE instead of
-- a `true` to read back.
CREATE OR REPLACE FUNCTION servelo_enter_org_or_refuse(org uuid) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF servelo_enter_org(org) THEN
    RAISE EXCEPTION 'org % is deleted', org USING ERRCODE = 'SVODL';
  END IF;
END $$;
