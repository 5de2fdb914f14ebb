-- Custom migration (drizzle-kit generate --custom): issue 10, performance.
-- 1. Session revocations announced by the database itself (src/modules/auth/auth.revocations.ts):
--    every instance LISTENs on cohort_auth_revocations and keeps the recent ones in memory, so
--    authentication sends no statement. NOTIFY is transactional: delivered at commit, never for a rollback.
-- 2. Profile facets kept incrementally and exactly (src/modules/profiles/profiles.facets.ts).
CREATE OR REPLACE FUNCTION auth_notify_session_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('cohort_auth_revocations', json_build_object('s', OLD.id, 'u', OLD.user_id)::text);
  ELSE
    PERFORM pg_notify('cohort_auth_revocations', json_build_object('s', NEW.id, 'u', NEW.user_id)::text);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER sessions_revoked_notify AFTER UPDATE OF revoked_at ON sessions
  FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL) EXECUTE FUNCTION auth_notify_session_ended();
--> statement-breakpoint
CREATE TRIGGER sessions_deleted_notify AFTER DELETE ON sessions
  FOR EACH ROW WHEN (OLD.revoked_at IS NULL) EXECUTE FUNCTION auth_notify_session_ended();
--> statement-breakpoint
-- A user's status or role changing (suspension, deletion, promotion) stamps updated_at (so a listener
-- that reconnects finds it) and is announced: that user's tokens are checked in the database for a while.
CREATE OR REPLACE FUNCTION auth_user_access_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  PERFORM pg_notify('cohort_auth_revocations', json_build_object('u', NEW.id)::text);
  RETURN NEW;
END $$;
--> statement-breakpoint
CREATE TRIGGER users_access_changed_notify BEFORE UPDATE OF role, status ON users
  FOR EACH ROW WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION auth_user_access_changed();
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS sessions_revoked_at_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS users_updated_at_idx ON users (updated_at);
--> statement-breakpoint
-- Facets: per (facet, lower(value)) the count of visible profiles and the spelling shown (the most
-- common one); per spelling its own count, to know the most common one exactly.
CREATE TABLE profile_facets (
  facet text NOT NULL,
  key text NOT NULL,
  value text NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (facet, key)
) WITH (fillfactor = 50);
--> statement-breakpoint
CREATE TABLE profile_facet_spellings (
  facet text NOT NULL,
  key text NOT NULL,
  spelling text NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (facet, key, spelling)
) WITH (fillfactor = 50);
--> statement-breakpoint
-- Every counted write updates a few rows of these small tables. No index covers count or value,
-- and pages are half empty (fillfactor): the updates are HOT, leave no index entry behind and are
-- pruned from the page on the next visit, so reads stay fast even where autovacuum is slow or off.
-- Where it runs, vacuum them after a fixed number of changes, not a fraction of their size.
ALTER TABLE profile_facets SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000, autovacuum_analyze_threshold = 2000);
--> statement-breakpoint
ALTER TABLE profile_facet_spellings SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000, autovacuum_analyze_threshold = 2000);
--> statement-breakpoint
CREATE TYPE profile_facet_delta AS (facet text, spelling text, delta integer);
--> statement-breakpoint
-- What one profile contributes: its values, if the directory lists it (visible, owner not deleted).
CREATE OR REPLACE FUNCTION profile_facet_entries(p profiles) RETURNS TABLE (facet text, spelling text)
LANGUAGE sql IMMUTABLE AS $$
  SELECT x.f, x.v FROM (VALUES ('current_company', p.current_company), ('location', p.location),
    ('department', p.department), ('batch_year', p.batch_year::text)) AS x(f, v)
  WHERE x.v IS NOT NULL AND p.directory_visible AND NOT p.owner_deleted
  UNION ALL
  SELECT 'skills', s FROM unnest(p.skills) AS s WHERE s IS NOT NULL AND p.directory_visible AND NOT p.owner_deleted
$$;
--> statement-breakpoint
-- Applies net changes (zero deltas already dropped). Every writer locks the facet rows first, in
-- (facet, key) order, then the spellings: two batches never wait on each other in a cycle.
CREATE OR REPLACE FUNCTION profile_facets_apply(deltas profile_facet_delta[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(deltas) = 0 THEN RETURN; END IF;
  INSERT INTO profile_facets AS t (facet, key, value, count)
    SELECT d.facet, lower(d.spelling), min(d.spelling), sum(d.delta) FROM unnest(deltas) AS d
    GROUP BY d.facet, lower(d.spelling) ORDER BY 1, 2
  ON CONFLICT (facet, key) DO UPDATE SET count = t.count + EXCLUDED.count;
  INSERT INTO profile_facet_spellings AS s (facet, key, spelling, count)
    SELECT d.facet, lower(d.spelling), d.spelling, sum(d.delta) FROM unnest(deltas) AS d
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (facet, key, spelling) DO UPDATE SET count = s.count + EXCLUDED.count;
  -- The spelling shown is the most common one; on a tie the first in sort order, as mode() picks.
  UPDATE profile_facets AS t SET value = (
      SELECT s.spelling FROM profile_facet_spellings AS s
      WHERE s.facet = t.facet AND s.key = t.key AND s.count > 0 ORDER BY s.count DESC, s.spelling LIMIT 1)
  WHERE (t.facet, t.key) IN (SELECT d.facet, lower(d.spelling) FROM unnest(deltas) AS d) AND t.count > 0;
END $$;
--> statement-breakpoint
-- Statement-level triggers: a bulk import applies one aggregated change per statement, not one per row.
CREATE OR REPLACE FUNCTION profile_facets_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM profile_facets_apply(ARRAY(
    SELECT ROW(e.facet, e.spelling, count(*)::int)::profile_facet_delta
    FROM new_rows AS n, profile_facet_entries(n) AS e GROUP BY e.facet, e.spelling));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION profile_facets_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM profile_facets_apply(ARRAY(
    SELECT ROW(e.facet, e.spelling, -count(*)::int)::profile_facet_delta
    FROM old_rows AS o, profile_facet_entries(o) AS e GROUP BY e.facet, e.spelling));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION profile_facets_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- An update that leaves the listed values as they were nets to nothing and locks nothing.
  PERFORM profile_facets_apply(ARRAY(
    SELECT ROW(c.facet, c.spelling, sum(c.delta)::int)::profile_facet_delta FROM (
      SELECT e.facet, e.spelling, 1 AS delta FROM new_rows AS n, profile_facet_entries(n) AS e
      UNION ALL
      SELECT e.facet, e.spelling, -1 FROM old_rows AS o, profile_facet_entries(o) AS e) AS c
    GROUP BY c.facet, c.spelling HAVING sum(c.delta) <> 0));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER profiles_facets_insert AFTER INSERT ON profiles REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION profile_facets_on_insert();
--> statement-breakpoint
CREATE TRIGGER profiles_facets_delete AFTER DELETE ON profiles REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION profile_facets_on_delete();
--> statement-breakpoint
CREATE TRIGGER profiles_facets_update AFTER UPDATE ON profiles REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION profile_facets_on_update();
--> statement-breakpoint
SELECT profile_facets_apply(ARRAY(
  SELECT ROW(e.facet, e.spelling, count(*)::int)::profile_facet_delta
  FROM profiles AS p, profile_facet_entries(p) AS e GROUP BY e.facet, e.spelling));
