-- Team planning: roles, members (with their rate history), projects, allocations, actuals,
-- and the crm customers projects may point at (replicated from crm's events).

-- Job roles ("Backend Developer"), not the user roles of auth. Integer ids, as the team
-- reference shows; one identity sequence for the table, names unique per org.
CREATE TABLE roles (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  org_id      uuid NOT NULL,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id)
);
CREATE UNIQUE INDEX roles_org_name ON roles (org_id, lower(name));
CREATE INDEX roles_org_page ON roles (org_id, name, id);
SELECT enable_tenant_isolation('roles');

CREATE TABLE team_members (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  name         text NOT NULL,
  role_id      bigint,
  hourly_rate  numeric(14,2) NOT NULL CHECK (hourly_rate > 0),
  active       boolean NOT NULL DEFAULT true,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  -- The composite key keeps a member from pointing at another org's role.
  FOREIGN KEY (org_id, role_id) REFERENCES roles (org_id, id) ON DELETE RESTRICT
);
CREATE INDEX team_members_org_page ON team_members (org_id, name, id);
CREATE INDEX team_members_org_active_page ON team_members (org_id, active, name, id);
CREATE INDEX team_members_role ON team_members (org_id, role_id);
SELECT enable_tenant_isolation('team_members');

-- The rate in force on a day is the latest row with effective_from <= that day (days before
-- the first row use the first rate), so a rate change never moves past costs.
CREATE TABLE rate_history (
  org_id          uuid NOT NULL,
  team_member_id  uuid NOT NULL,
  rate            numeric(14,2) NOT NULL CHECK (rate > 0),
  effective_from  date NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, team_member_id, effective_from),
  FOREIGN KEY (org_id, team_member_id) REFERENCES team_members (org_id, id) ON DELETE CASCADE
);
SELECT enable_tenant_isolation('rate_history');

-- crm's customers as far as this service needs them: does the id exist in this org?
-- `version` is the time of the last event applied, so late events cannot undo newer ones;
-- a deleted customer stays as a tombstone for the same reason.
CREATE TABLE customers (
  org_id      uuid NOT NULL,
  id          uuid NOT NULL,
  name        text,
  deleted     boolean NOT NULL DEFAULT false,
  version     timestamptz NOT NULL,
  PRIMARY KEY (org_id, id)
);
SELECT enable_tenant_isolation('customers');

CREATE TABLE projects (
  id           uuid PRIMARY KEY,
  org_id       uuid NOT NULL,
  name         text NOT NULL,
  customer_id  uuid,
  active       boolean NOT NULL DEFAULT true,
  start_date   date,
  end_date     date,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (org_id, id),
  CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)
);
CREATE INDEX projects_org_page ON projects (org_id, name, id);
CREATE INDEX projects_org_customer ON projects (org_id, customer_id);
SELECT enable_tenant_isolation('projects');

CREATE TABLE allocations (
  id              uuid PRIMARY KEY,
  org_id          uuid NOT NULL,
  team_member_id  uuid NOT NULL,
  project_id      uuid NOT NULL,
  start_date      date NOT NULL,
  end_date        date NOT NULL,
  hours_per_day   numeric(5,2) NOT NULL CHECK (hours_per_day > 0 AND hours_per_day <= 24),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (end_date >= start_date),
  FOREIGN KEY (org_id, team_member_id) REFERENCES team_members (org_id, id) ON DELETE RESTRICT,
  FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE RESTRICT
);
CREATE INDEX allocations_org_page ON allocations (org_id, start_date, id);
CREATE INDEX allocations_member ON allocations (org_id, team_member_id, start_date, id);
CREATE INDEX allocations_project ON allocations (org_id, project_id, start_date, id);
SELECT enable_tenant_isolation('allocations');

CREATE TABLE actuals (
  id              uuid PRIMARY KEY,
  org_id          uuid NOT NULL,
  team_member_id  uuid NOT NULL,
  project_id      uuid NOT NULL,
  date            date NOT NULL,
  hours           numeric(5,2) NOT NULL CHECK (hours > 0 AND hours <= 24),
  ticket_id       uuid,
  notes           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (org_id, team_member_id) REFERENCES team_members (org_id, id) ON DELETE RESTRICT,
  FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id) ON DELETE RESTRICT
);
CREATE INDEX actuals_org_page ON actuals (org_id, date, id);
CREATE INDEX actuals_member ON actuals (org_id, team_member_id, date, id);
CREATE INDEX actuals_project ON actuals (org_id, project_id, date, id);
SELECT enable_tenant_isolation('actuals');

-- Orgs purged on `org-deleted`: events about them that arrive late are ignored.
-- (Deliberately not tenant-scoped: it records the absence of the tenant.)
CREATE TABLE purged_orgs (
  id         uuid PRIMARY KEY,
  purged_at  timestamptz NOT NULL DEFAULT now()
);
