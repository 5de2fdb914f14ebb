-- Custom migration (drizzle-kit generate --custom): issue 10, the alumni import at 1,000,000 rows.
-- The facet triggers of performance_sql apply each statement's net change at once. For a bulk import
-- that update of a few hundred facet rows per batch was most of the trigger's cost (and every batch
-- serialized on the popular rows): a transaction that sets `cohort.facets` to 'journal' instead
-- appends its net changes to profile_facet_journal, committed or rolled back with its rows, and
-- profile_facets_fold_journal() applies the sum once. Counts + journal are exact at every commit.
-- See docs/decisions/100-import-facets-journalled.md.
CREATE TABLE profile_facet_journal (
  facet text NOT NULL,
  spelling text NOT NULL,
  delta integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE profile_facet_journal SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 10000);
--> statement-breakpoint
-- Where a statement's net change goes: applied now (every ordinary write), or journalled.
CREATE OR REPLACE FUNCTION profile_facets_record(deltas profile_facet_delta[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF cardinality(deltas) = 0 THEN RETURN; END IF;
  IF current_setting('cohort.facets', true) = 'journal' THEN
    INSERT INTO profile_facet_journal (facet, spelling, delta) SELECT d.facet, d.spelling, d.delta FROM unnest(deltas) AS d;
  ELSE
    PERFORM profile_facets_apply(deltas);
  END IF;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION profile_facets_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM profile_facets_record(ARRAY(
    SELECT ROW(e.facet, e.spelling, count(*)::int)::profile_facet_delta
    FROM new_rows AS n, profile_facet_entries(n) AS e GROUP BY e.facet, e.spelling));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION profile_facets_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM profile_facets_record(ARRAY(
    SELECT ROW(e.facet, e.spelling, -count(*)::int)::profile_facet_delta
    FROM old_rows AS o, profile_facet_entries(o) AS e GROUP BY e.facet, e.spelling));
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION profile_facets_on_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- An update that leaves the listed values as they were nets to nothing and locks nothing.
  PERFORM profile_facets_record(ARRAY(
    SELECT ROW(c.facet, c.spelling, sum(c.delta)::int)::profile_facet_delta FROM (
      SELECT e.facet, e.spelling, 1 AS delta FROM new_rows AS n, profile_facet_entries(n) AS e
      UNION ALL
      SELECT e.facet, e.spelling, -1 FROM old_rows AS o, profile_facet_entries(o) AS e) AS c
    GROUP BY c.facet, c.spelling HAVING sum(c.delta) <> 0));
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Applies every committed journal entry once and removes it; returns the entries folded. DELETE
-- takes exactly the rows it applies (entries of transactions still open stay for the next fold, and
-- two folds never apply one entry twice), and no writer ever waits for a fold: a batch journals
-- while it runs. Then, when no transaction is journalling at that moment (NOWAIT), the emptied
-- table is truncated, so its dead rows do not pile up where autovacuum is slow or off.
CREATE OR REPLACE FUNCTION profile_facets_fold_journal() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  folded integer;
  deltas profile_facet_delta[];
BEGIN
  -- Nothing committed to fold (the scheduled run, mostly): nothing locked.
  IF NOT EXISTS (SELECT 1 FROM profile_facet_journal) THEN RETURN 0; END IF;
  WITH gone AS (DELETE FROM profile_facet_journal RETURNING facet, spelling, delta)
  SELECT (SELECT count(*) FROM gone), ARRAY(
    SELECT ROW(g.facet, g.spelling, sum(g.delta)::int)::profile_facet_delta FROM gone AS g
    GROUP BY g.facet, g.spelling HAVING sum(g.delta) <> 0)
  INTO folded, deltas;
  PERFORM profile_facets_apply(deltas);
  BEGIN
    LOCK TABLE profile_facet_journal IN ACCESS EXCLUSIVE MODE NOWAIT;
    -- Holding the lock, no transaction is journalling; rows committed since the DELETE are kept.
    IF NOT EXISTS (SELECT 1 FROM profile_facet_journal) THEN TRUNCATE profile_facet_journal; END IF;
  EXCEPTION WHEN lock_not_available THEN
    NULL; -- a batch is journalling: its entries and these dead rows wait for the next fold (or vacuum)
  END;
  RETURN folded;
END $$;
