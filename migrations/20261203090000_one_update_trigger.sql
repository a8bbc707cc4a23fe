-- One AFTER UPDATE trigger on `responses` instead of four (tallies, choices, times, flags),
-- with a WHEN clause that a page save which moves on without changing its status or
-- breakdown fails. Every UPDATE paid for each of the four, whether it fired or not:
-- PostgreSQL reads each trigger's WHEN clause back from its stored form and compiles it
-- for every statement, and page saves are most of the writes. `bench-saves`, 3 alternating
-- pairs of runs on fresh databases: 790 against 898 µs of machine CPU per save (-12%),
-- 2,294 against 2,031 saves/s.
--
-- `canvass_count_update` then runs each count's part only when that count's columns
-- changed, with the same condition its trigger's WHEN clause had, and the same statement
-- the count's own trigger function runs (those functions stay for inserts and deletes).
-- The parts run in the order the four triggers fired (by name: choices, flags, tallies,
-- times), the order inserts and deletes still lock the count tables in, so that no two
-- writes lock the same two count rows in opposite orders.
--
-- Invariant (beside migration 20261130090000's): an UPDATE that bumps `revision` (a page
-- save, `responses::write`) changes no counted column but `last_section` (its own move,
-- appended to `response_moves`), `status`, `breakdown` and `completed_at` with `status`
-- (a CHECK ties them); so the WHEN clause lets such an update through only when its status
-- or breakdown changed. Every other update is counted in full. The recount test in
-- `db/src/monitor.rs` mixes real saves with every other kind of write.
CREATE FUNCTION canvass_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- By breakdown answer and status.
    IF (OLD.survey_id, OLD.status, OLD.breakdown)
       IS DISTINCT FROM (NEW.survey_id, NEW.status, NEW.breakdown) THEN
        INSERT INTO choice_tallies AS t (survey_id, question_id, code, status, shard, n)
        SELECT c.survey_id, c.question_id, c.code, c.status, c.shard, sum(c.d)
        FROM (
            SELECT OLD.survey_id, e.key, e.value, OLD.status, (OLD.id % 16)::smallint, -1
            FROM jsonb_each_text(OLD.breakdown) AS e
            UNION ALL
            SELECT NEW.survey_id, e.key, e.value, NEW.status, (NEW.id % 16)::smallint, 1
            FROM jsonb_each_text(NEW.breakdown) AS e
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
            WHERE OLD.same_browser
            UNION ALL
            SELECT NEW.survey_id, 'same_browser', NEW.status, (NEW.id % 16)::smallint, 1
            WHERE NEW.same_browser
            UNION ALL
            SELECT OLD.survey_id, 'invited', OLD.status, (OLD.id % 16)::smallint, -1
            WHERE OLD.invited
            UNION ALL
            SELECT NEW.survey_id, 'invited', NEW.status, (NEW.id % 16)::smallint, 1
            WHERE NEW.invited
        ) AS c (survey_id, flag, status, shard, d)
        GROUP BY 1, 2, 3, 4 HAVING sum(c.d) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT flag_tallies_key DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;

    -- By (status, last section, link): a save counts its own move.
    IF OLD.revision = NEW.revision
       AND (OLD.survey_id, OLD.link_id, OLD.status, OLD.last_section)
           IS DISTINCT FROM (NEW.survey_id, NEW.link_id, NEW.status, NEW.last_section) THEN
        INSERT INTO response_tallies AS t (survey_id, link_id, status, last_section, shard, n)
        SELECT * FROM (VALUES
            (OLD.survey_id, OLD.link_id, OLD.status, OLD.last_section, (OLD.id % 16)::smallint, -1::bigint),
            (NEW.survey_id, NEW.link_id, NEW.status, NEW.last_section, (NEW.id % 16)::smallint, 1::bigint)
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
            UNION ALL
            SELECT OLD.survey_id, date_trunc('hour', OLD.completed_at, 'UTC'), true,
                   (OLD.id % 16)::smallint, -1
            WHERE OLD.completed_at IS NOT NULL
            UNION ALL
            SELECT NEW.survey_id, date_trunc('hour', NEW.started_at, 'UTC'), false,
                   (NEW.id % 16)::smallint, 1
            UNION ALL
            SELECT NEW.survey_id, date_trunc('hour', NEW.completed_at, 'UTC'), true,
                   (NEW.id % 16)::smallint, 1
            WHERE NEW.completed_at IS NOT NULL
        ) AS c (survey_id, hour, completed, shard, d)
        GROUP BY 1, 2, 3, 4 HAVING sum(c.d) <> 0
        ORDER BY 1, 2, 3, 4
        ON CONFLICT ON CONSTRAINT response_hours_key DO UPDATE SET n = t.n + EXCLUDED.n;

        INSERT INTO completion_minutes AS t (survey_id, minutes, shard, n)
        SELECT c.survey_id, c.minutes, c.shard, sum(c.d)
        FROM (
            SELECT OLD.survey_id, canvass_completion_minutes(OLD.started_at, OLD.completed_at),
                   (OLD.id % 16)::smallint, -1
            WHERE OLD.completed_at IS NOT NULL
            UNION ALL
            SELECT NEW.survey_id, canvass_completion_minutes(NEW.started_at, NEW.completed_at),
                   (NEW.id % 16)::smallint, 1
            WHERE NEW.completed_at IS NOT NULL
        ) AS c (survey_id, minutes, shard, d)
        GROUP BY 1, 2, 3 HAVING sum(c.d) <> 0
        ORDER BY 1, 2, 3
        ON CONFLICT ON CONSTRAINT completion_minutes_key DO UPDATE SET n = t.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER responses_tallies_changed ON responses;
DROP TRIGGER responses_choices_changed ON responses;
DROP TRIGGER responses_times_changed ON responses;
DROP TRIGGER responses_flags_changed ON responses;

-- `status` and `breakdown` are NOT NULL, so `<>` is exact here.
CREATE TRIGGER responses_changed AFTER UPDATE ON responses
    FOR EACH ROW
    WHEN (OLD.revision = NEW.revision OR OLD.status <> NEW.status OR OLD.breakdown <> NEW.breakdown)
    EXECUTE FUNCTION canvass_count_update();
