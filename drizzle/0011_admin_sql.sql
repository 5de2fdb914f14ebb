-- Custom migration (admin console): a suspended account's profile leaves search, directory and
-- facets like a deleted one. profiles.owner_deleted now mirrors (users.status <> 'active'), i.e.
-- "the owner's account is not active" (deleted or suspended); activating restores it. The same
-- two triggers of 0005_profiles_owner_deleted_triggers keep it, only their functions change.
-- See docs/decisions/090-admin-suspension-hides-profiles.md.
CREATE OR REPLACE FUNCTION profiles_sync_owner_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE profiles SET owner_deleted = (NEW.status <> 'active')
  WHERE user_id = NEW.id AND owner_deleted IS DISTINCT FROM (NEW.status <> 'active');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION profiles_set_owner_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.owner_deleted := EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id AND status <> 'active');
  RETURN NEW;
END $$;
--> statement-breakpoint
UPDATE profiles p SET owner_deleted = true FROM users u WHERE u.id = p.user_id AND u.status = 'suspended' AND NOT p.owner_deleted;
