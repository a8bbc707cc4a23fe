-- A page save counts its own move in `response_tallies`, in its write statement
-- (`responses::write`): the row trigger's PL/pgSQL call cost a save more than the upsert it
-- ran. The save is the only write that bumps `revision`, so the trigger now skips updates
-- that do, and keeps counting every other write (a submit from the command line, demo
-- back-dating, a delete, a quota ending…).
--
-- A save counts its move in its connection's shard (one of 32 by backend process), so a
-- response's count may sit in any shard: a delete now takes it away by upsert, which
-- makes a row of -1 where the shard has none. Readers sum the shards.
--
-- Invariant: an UPDATE of `responses` that bumps `revision` must count its own move in
-- `response_tallies`, in the same statement. The recount test in `db/src/monitor.rs` mixes
-- real saves with every other kind of write to hold both paths to it.
CREATE OR REPLACE FUNCTION canvass_count_tallies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The common case, a response moved on: its trigger's WHEN clause guarantees the two
    -- keys differ, so two rows, in key order, without grouping.
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO response_tallies AS t (survey_id, link_id, status, last_section, shard, n)
        SELECT * FROM (VALUES
            (OLD.survey_id, OLD.link_id, OLD.status, OLD.last_section, (OLD.id % 16)::smallint, -1::bigint),
            (NEW.survey_id, NEW.link_id, NEW.status, NEW.last_section, (NEW.id % 16)::smallint, 1::bigint)
        ) AS c (survey_id, link_id, status, last_section, shard, n)
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT ON CONSTRAINT response_tallies_key DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO response_tallies AS t (survey_id, link_id, status, last_section, shard, n)
        VALUES (NEW.survey_id, NEW.link_id, NEW.status, NEW.last_section, (NEW.id % 16)::smallint, 1)
        ON CONFLICT ON CONSTRAINT response_tallies_key DO UPDATE SET n = t.n + EXCLUDED.n;
    ELSE
        INSERT INTO response_tallies AS t (survey_id, link_id, status, last_section, shard, n)
        VALUES (OLD.survey_id, OLD.link_id, OLD.status, OLD.last_section, (OLD.id % 16)::smallint, -1)
        ON CONFLICT ON CONSTRAINT response_tallies_key DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER responses_tallies_changed ON responses;
CREATE TRIGGER responses_tallies_changed AFTER UPDATE ON responses
    FOR EACH ROW
    WHEN ((OLD.survey_id, OLD.link_id, OLD.status, OLD.last_section)
          IS DISTINCT FROM (NEW.survey_id, NEW.link_id, NEW.status, NEW.last_section)
          AND OLD.revision = NEW.revision)
    EXECUTE FUNCTION canvass_count_tallies();

-- Starting a response inserts a row with an empty breakdown: nothing to count by choice,
-- so the choices trigger no longer runs for it (nor for deleting such a row).
DROP TRIGGER responses_choices_written ON responses;
CREATE TRIGGER responses_choices_inserted AFTER INSERT ON responses
    FOR EACH ROW WHEN (NEW.breakdown <> '{}') EXECUTE FUNCTION canvass_count_choices();
CREATE TRIGGER responses_choices_deleted AFTER DELETE ON responses
    FOR EACH ROW WHEN (OLD.breakdown <> '{}') EXECUTE FUNCTION canvass_count_choices();

-- Every response started in an hour counts in that hour's rows: 16 shards instead of 4, so
-- that concurrent starts seldom wait on one row's lock. Rows counted in 4 shards stay
-- valid, since readers sum the shards.
CREATE OR REPLACE FUNCTION canvass_count_times() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO response_hours AS t (survey_id, hour, completed, shard, n)
    SELECT c.survey_id, c.hour, c.completed, c.shard, sum(c.d)
    FROM (
        SELECT OLD.survey_id, date_trunc('hour', OLD.started_at, 'UTC'), false,
               (OLD.id % 16)::smallint, -1
        WHERE TG_OP <> 'INSERT'
        UNION ALL
        SELECT OLD.survey_id, date_trunc('hour', OLD.completed_at, 'UTC'), true,
               (OLD.id % 16)::smallint, -1
        WHERE TG_OP <> 'INSERT' AND OLD.completed_at IS NOT NULL
        UNION ALL
        SELECT NEW.survey_id, date_trunc('hour', NEW.started_at, 'UTC'), false,
               (NEW.id % 16)::smallint, 1
        WHERE TG_OP <> 'DELETE'
        UNION ALL
        SELECT NEW.survey_id, date_trunc('hour', NEW.completed_at, 'UTC'), true,
               (NEW.id % 16)::smallint, 1
        WHERE TG_OP <> 'DELETE' AND NEW.completed_at IS NOT NULL
    ) AS c (survey_id, hour, completed, shard, d)
    GROUP BY 1, 2, 3, 4 HAVING sum(c.d) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT ON CONSTRAINT response_hours_key DO UPDATE SET n = t.n + EXCLUDED.n;

    INSERT INTO completion_minutes AS t (survey_id, minutes, shard, n)
    SELECT c.survey_id, c.minutes, c.shard, sum(c.d)
    FROM (
        SELECT OLD.survey_id, canvass_completion_minutes(OLD.started_at, OLD.completed_at),
               (OLD.id % 16)::smallint, -1
        WHERE TG_OP <> 'INSERT' AND OLD.completed_at IS NOT NULL
        UNION ALL
        SELECT NEW.survey_id, canvass_completion_minutes(NEW.started_at, NEW.completed_at),
               (NEW.id % 16)::smallint, 1
        WHERE TG_OP <> 'DELETE' AND NEW.completed_at IS NOT NULL
    ) AS c (survey_id, minutes, shard, d)
    GROUP BY 1, 2, 3 HAVING sum(c.d) <> 0
    ORDER BY 1, 2, 3
    ON CONFLICT ON CONSTRAINT completion_minutes_key DO UPDATE SET n = t.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

