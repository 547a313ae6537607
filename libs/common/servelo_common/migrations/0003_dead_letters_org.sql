-- Dead letters belong to a tenant too: record it, so deleting an org can remove them.
ALTER TABLE dead_letters ADD COLUMN org_id uuid;
CREATE INDEX dead_letters_org ON dead_letters (org_id) WHERE org_id IS NOT NULL;
