-- Servelo: database, roles and schemas. Run once (and again after adding a service or
-- changing a password: it is idempotent) as a Postgres administrator, with psql:
--
--   psql "postgresql://postgres@db.example.internal:5432/postgres" -v ON_ERROR_STOP=1 \
--     -v auth_password=... -v tickets_password=... -v crm_password=... \
--     -v finance_password=... -v team_password=... -v webhooks_password=... \
--     -f deploy/sql/provision.sql
--
-- Each service gets a login role servelo_<service> (no superuser, no BYPASSRLS: row-level
-- security applies to it) owning exactly one schema, <service>. The service creates its
-- tables there itself (migrations at start). Each service's URL is then
--   postgresql://servelo_<service>:<password>@<host>:5432/servelo
-- Mirrors libs/common/servelo_common/provision.py (what `make run` does).
--
-- Managed Postgres whose administrator is not a superuser (RDS, Cloud SQL, Azure): on
-- Postgres 16 the administrator must be able to SET ROLE to a role to give it a schema;
-- if `CREATE SCHEMA ... AUTHORIZATION` is refused, first run `GRANT servelo_<service> TO
-- CURRENT_USER;` for each service.

\set ON_ERROR_STOP on

-- CREATE DATABASE cannot run inside a DO block or a transaction: build it, run it with \gexec.
SELECT 'CREATE DATABASE servelo'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'servelo') \gexec

\connect servelo

-- Nobody but an owner creates objects in `public`.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- auth ---------------------------------------------------------------------------------
SELECT 'CREATE ROLE servelo_auth'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'servelo_auth') \gexec
ALTER ROLE servelo_auth LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
  PASSWORD :'auth_password';
GRANT CONNECT ON DATABASE servelo TO servelo_auth;
CREATE SCHEMA IF NOT EXISTS auth AUTHORIZATION servelo_auth;
ALTER SCHEMA auth OWNER TO servelo_auth;

-- tickets ------------------------------------------------------------------------------
SELECT 'CREATE ROLE servelo_tickets'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'servelo_tickets') \gexec
ALTER ROLE servelo_tickets LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
  PASSWORD :'tickets_password';
GRANT CONNECT ON DATABASE servelo TO servelo_tickets;
CREATE SCHEMA IF NOT EXISTS tickets AUTHORIZATION servelo_tickets;
ALTER SCHEMA tickets OWNER TO servelo_tickets;

-- crm ----------------------------------------------------------------------------------
SELECT 'CREATE ROLE servelo_crm'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'servelo_crm') \gexec
ALTER ROLE servelo_crm LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
  PASSWORD :'crm_password';
GRANT CONNECT ON DATABASE servelo TO servelo_crm;
CREATE SCHEMA IF NOT EXISTS crm AUTHORIZATION servelo_crm;
ALTER SCHEMA crm OWNER TO servelo_crm;

-- finance ------------------------------------------------------------------------------
SELECT 'CREATE ROLE servelo_finance'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'servelo_finance') \gexec
ALTER ROLE servelo_finance LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
  PASSWORD :'finance_password';
GRANT CONNECT ON DATABASE servelo TO servelo_finance;
CREATE SCHEMA IF NOT EXISTS finance AUTHORIZATION servelo_finance;
ALTER SCHEMA finance OWNER TO servelo_finance;

-- team ---------------------------------------------------------------------------------
SELECT 'CREATE ROLE servelo_team'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'servelo_team') \gexec
ALTER ROLE servelo_team LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
  PASSWORD :'team_password';
GRANT CONNECT ON DATABASE servelo TO servelo_team;
CREATE SCHEMA IF NOT EXISTS team AUTHORIZATION servelo_team;
ALTER SCHEMA team OWNER TO servelo_team;

-- webhooks -----------------------------------------------------------------------------
SELECT 'CREATE ROLE servelo_webhooks'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'servelo_webhooks') \gexec
ALTER ROLE servelo_webhooks LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
  PASSWORD :'webhooks_password';
GRANT CONNECT ON DATABASE servelo TO servelo_webhooks;
CREATE SCHEMA IF NOT EXISTS webhooks AUTHORIZATION servelo_webhooks;
ALTER SCHEMA webhooks OWNER TO servelo_webhooks;
