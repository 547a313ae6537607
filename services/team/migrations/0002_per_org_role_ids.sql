-- Role ids numbered per org (1, 2, 3, ... in each org), like ticket numbers, so that the
-- team reference's examples (`"role_id": 1`) hold in every org. 0001 gave roles one identity
-- sequence shared by all orgs; this renumbers the existing roles of each org in the order
-- they were created (old id order) and moves the members' role_id along with them.

-- Under FORCE row-level security the owner running this would see no rows without it.
SET LOCAL servelo.all_orgs = 'on';

-- One row per org: the id its next role gets. `INSERT ... ON CONFLICT DO UPDATE SET
-- next_id = next_id + 1 RETURNING` in the creating transaction locks the row until commit,
-- so parallel creates get distinct consecutive ids and a rolled-back create gives its id
-- back. Ids of deleted roles are not reused (the counter never goes down).
CREATE TABLE role_counters (
  org_id   uuid PRIMARY KEY,
  next_id  bigint NOT NULL CHECK (next_id >= 1)
);
SELECT enable_tenant_isolation('role_counters');

-- The members' link to their role is rewritten below; the key comes back afterwards.
ALTER TABLE team_members DROP CONSTRAINT team_members_org_id_role_id_fkey;

ALTER TABLE roles ADD COLUMN new_id bigint;
UPDATE roles r SET new_id = n.new_id
FROM (SELECT org_id, id, row_number() OVER (PARTITION BY org_id ORDER BY id) AS new_id
      FROM roles) n
WHERE r.org_id = n.org_id AND r.id = n.id;

UPDATE team_members m SET role_id = r.new_id
FROM roles r
WHERE m.role_id IS NOT NULL AND r.org_id = m.org_id AND r.id = m.role_id;

-- GENERATED ALWAYS refuses explicit ids: the id becomes a plain column the app fills in.
ALTER TABLE roles DROP CONSTRAINT roles_pkey;
ALTER TABLE roles DROP CONSTRAINT roles_org_id_id_key;
ALTER TABLE roles ALTER COLUMN id DROP IDENTITY;
UPDATE roles SET id = new_id;
ALTER TABLE roles DROP COLUMN new_id;
ALTER TABLE roles ADD CONSTRAINT roles_pkey PRIMARY KEY (org_id, id);
ALTER TABLE roles ADD CONSTRAINT roles_id_positive CHECK (id >= 1);

-- The composite key still keeps a member from pointing at another org's role.
ALTER TABLE team_members ADD CONSTRAINT team_members_org_id_role_id_fkey
  FOREIGN KEY (org_id, role_id) REFERENCES roles (org_id, id) ON DELETE RESTRICT;

INSERT INTO role_counters (org_id, next_id)
SELECT org_id, max(id) + 1 FROM roles GROUP BY org_id;
