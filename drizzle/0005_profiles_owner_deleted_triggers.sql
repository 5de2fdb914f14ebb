-- Custom migration (drizzle-kit generate --custom): keeps profiles.owner_deleted equal to
-- (users.status = 'deleted'), so directory queries filter on profiles alone. See docs/profiles.md.
CREATE OR REPLACE FUNCTION profiles_sync_owner_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE profiles SET owner_deleted = (NEW.status = 'deleted')
  WHERE user_id = NEW.id AND owner_deleted IS DISTINCT FROM (NEW.status = 'deleted');
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER users_status_sync_profiles AFTER UPDATE OF status ON users
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION profiles_sync_owner_deleted();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION profiles_set_owner_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.owner_deleted := EXISTS (SELECT 1 FROM users WHERE id = NEW.user_id AND status = 'deleted');
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER profiles_owner_deleted_on_insert BEFORE INSERT ON profiles
  FOR EACH ROW EXECUTE FUNCTION profiles_set_owner_deleted();
--> statement-breakpoint
UPDATE profiles p SET owner_deleted = true FROM users u WHERE u.id = p.user_id AND u.status = 'deleted';
