-- One counting function for every write to `responses`, instead of the update function of
-- migration 20261203090000 beside the four older ones that inserts and deletes still ran
-- (`canvass_count_tallies`, `_choices`, `_flags`, `_times`): each count's statement was
-- written twice, and a change to one copy had to be made to the other by hand. Starting a
-- response also enters PL/pgSQL once instead of twice (tallies and times).
--
-- On INSERT, `OLD` is NULL and so is each of its fields; on DELETE, `NEW` is. Each part of
-- `canvass_count` takes a row's old contribution away only when `TG_OP` says there was an
-- old row and adds its new one only when there is a new row, so neither side emits a row
-- of NULLs. Each part's condition is the one its trigger had: a NULL row is distinct from
-- any stored row, so on INSERT and DELETE every count whose columns a row has runs, and the
-- insert-time gates that were `WHEN` clauses (a non-empty breakdown, a flag set) are part
-- of the conditions. The parts run in the order the triggers used to fire (by name:
-- choices, flags, tallies, times), so every write locks the count tables in one order and
-- no two writes lock the same two rows in opposite orders.
--
-- The invariants of migrations 20261130090000 and 20261203090000 hold unchanged; the
-- recount test in `db/src/monitor.rs` mixes real saves with every other kind of write.
CREATE FUNCTION canvass_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- By breakdown answer and status: nothing to count for an empty breakdown, which a
    -- response has until its first save.
    IF (OLD.breakdown <> '{}' OR NEW.breakdown <> '{}')
       AND (OLD.survey_id, OLD.status, OLD.breakdown)
           IS DISTINCT FROM (NEW.survey_id, NEW.status, NEW.breakdown) THEN
        INSERT INTO choice_tallies AS t (survey_id, question_id, code, status, shard, n)
        SELECT c.survey_id, c.question_id, c.code, c.status, c.shard, sum(c.d)
        FROM (
            SELECT OLD.survey_id, e.key, e.value, OLD.status, (OLD.id % 16)::smallint, -1
            FROM jsonb_each_text(OLD.breakdown) AS e
            WHERE TG_OP <> 'INSERT'
            UNION ALL
            SELECT NEW.survey_id, e.key, e.value, NEW.status, (NEW.id % 16)::smallint, 1
            FROM jsonb_each_text(NEW.breakdown) AS e
            WHERE TG_OP <> 'DELETE'
        ) AS c (survey_id, question_id, code, status, shard, d)
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(c.d) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT ON CONSTRAINT choice_tallies_key DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;

    -- Same-browser and invited responses by status.
    IF (OLD.same_browser OR NEW.same_browser OR OLD.invited OR NEW.invited)
       AND (OLD.survey_id, OLD.status, OLD.same_browser, OLD.invited)
           IS DISTINCT FROM (NEW.survey_id, NEW.status, NEW.same_browser, NEW.invited) THEN
        INSERT INTO flag_tallies AS t (survey_id, flag, status, shard, n)
        SELECT c.survey_id, c.flag, c.status, c.shard, sum(c.d)
        FROM (
            SELECT OLD.survey_id, 'same_browser', OLD.status, (OLD.id % 16)::smallint, -1
            WHERE TG_OP <> 'INSERT' AND OLD.same_browser
            UNION ALL
            SELECT NEW.survey_id, 'same_browser', NEW.status, (NEW.id % 16)::smallint, 1
            WHERE TG_OP <> 'DELETE' AND NEW.same_browser
            UNION ALL
            SELECT OLD.survey_id, 'invited', OLD.status, (OLD.id % 16)::smallint, -1
            WHERE TG_OP <> 'INSERT' AND OLD.invited
            UNION ALL
            SELECT NEW.survey_id, 'invited', NEW.status, (NEW.id % 16)::smallint, 1
            WHERE TG_OP <> 'DELETE' AND NEW.invited
        ) AS c (survey_id, flag, status, shard, d)
        GROUP BY 1, 2, 3, 4 HAVING sum(c.d) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT flag_tallies_key DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;

    -- By (status, last section, link). A page save (the only update that bumps the
    -- revision) appends its own move to `response_moves` instead. On UPDATE the two keys
    -- differ, so the two rows need no grouping.
    IF (TG_OP <> 'UPDATE' OR OLD.revision = NEW.revision)
       AND (OLD.survey_id, OLD.link_id, OLD.status, OLD.last_section)
           IS DISTINCT FROM (NEW.survey_id, NEW.link_id, NEW.status, NEW.last_section) THEN
        INSERT INTO response_tallies AS t (survey_id, link_id, status, last_section, shard, n)
        SELECT * FROM (
            SELECT OLD.survey_id, OLD.link_id, OLD.status, OLD.last_section,
                   (OLD.id % 16)::smallint, -1::bigint
            WHERE TG_OP <> 'INSERT'
            UNION ALL
            SELECT NEW.survey_id, NEW.link_id, NEW.status, NEW.last_section,
                   (NEW.id % 16)::smallint, 1::bigint
            WHERE TG_OP <> 'DELETE'
        ) AS c (survey_id, link_id, status, last_section, shard, n)
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT ON CONSTRAINT response_tallies_key DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;

    -- By hour started and completed, and by minutes to completion.
    IF (OLD.survey_id, OLD.started_at, OLD.completed_at)
       IS DISTINCT FROM (NEW.survey_id, NEW.started_at, NEW.completed_at) THEN
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
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER responses_changed ON responses;
DROP TRIGGER responses_choices_inserted ON responses;
DROP TRIGGER responses_choices_deleted ON responses;
DROP TRIGGER responses_flags_inserted ON responses;
DROP TRIGGER responses_flags_deleted ON responses;
DROP TRIGGER responses_tallies_written ON responses;
DROP TRIGGER responses_times_written ON responses;
DROP FUNCTION canvass_count_update();
DROP FUNCTION canvass_count_choices();
DROP FUNCTION canvass_count_flags();
DROP FUNCTION canvass_count_tallies();
DROP FUNCTION canvass_count_times();

-- Every insert and delete is counted (each has a status, a last section and a start).
CREATE TRIGGER responses_written AFTER INSERT OR DELETE ON responses
    FOR EACH ROW EXECUTE FUNCTION canvass_count();

-- Every update pays for compiling this clause, so it stays short; see migration
-- 20261203090000 for why a save that keeps its status and breakdown fails it.
-- `status` and `breakdown` are NOT NULL, so `<>` is exact here.
CREATE TRIGGER responses_changed AFTER UPDATE ON responses
    FOR EACH ROW
    WHEN (OLD.revision = NEW.revision OR OLD.status <> NEW.status OR OLD.breakdown <> NEW.breakdown)
    EXECUTE FUNCTION canvass_count();
