-- Maintained counts for the monitoring dashboard, so that its figures cost the same at a
-- million responses as at a hundred.
--
-- Triggers on `responses` keep four small tables current in the same transaction as every
-- write: a response's old contribution is taken away and its new one added. Each count is
-- split into 16 shards by response ID (4 for the hours), so that concurrent saves seldom wait on one row's
-- lock; a reader sums the shards. Each trigger upserts its rows in key order, so two saves
-- can never lock the same two rows in opposite orders (no deadlock).
--
-- The table sizes depend on the survey's shape (statuses × sections × links, choices,
-- hours, minutes), never on how many responses there are.

-- The answers to the survey's breakdown questions (province, role, …), copied onto the
-- response when saved: `{"province": "gd", "role": "clinician"}`. Which questions those
-- are is declared in the survey definition; `surveys.breakdowns` records the set the
-- copies were made for, so a changed set is refilled at start.
ALTER TABLE responses ADD COLUMN breakdown jsonb NOT NULL DEFAULT '{}';
ALTER TABLE surveys ADD COLUMN breakdowns text[] NOT NULL DEFAULT '{}';

-- Responses by status, last section reached and link.
CREATE TABLE response_tallies (
    survey_id    bigint NOT NULL REFERENCES surveys (id),
    link_id      bigint REFERENCES distribution_links (id),
    status       response_status NOT NULL,
    last_section text,
    shard        smallint NOT NULL,
    n            bigint NOT NULL,
    CONSTRAINT response_tallies_key UNIQUE NULLS NOT DISTINCT
        (survey_id, link_id, status, last_section, shard)
);

-- Responses by the answer to each breakdown question, and by status.
CREATE TABLE choice_tallies (
    survey_id   bigint NOT NULL REFERENCES surveys (id),
    question_id text NOT NULL,
    code        text NOT NULL,
    status      response_status NOT NULL,
    shard       smallint NOT NULL,
    n           bigint NOT NULL,
    CONSTRAINT choice_tallies_key UNIQUE (survey_id, question_id, code, status, shard)
);

-- Responses started (`completed` false) and completed (true) in each hour (UTC). Only
-- the current hour is hot, so 4 shards do; a survey open for 90 days has about 8,600 rows.
CREATE TABLE response_hours (
    survey_id bigint NOT NULL REFERENCES surveys (id),
    hour      timestamptz NOT NULL,
    completed boolean NOT NULL,
    shard     smallint NOT NULL,
    n         bigint NOT NULL,
    CONSTRAINT response_hours_key UNIQUE (survey_id, hour, completed, shard)
);

-- Completed responses by whole minutes from start to submission (1440: a day or more).
CREATE TABLE completion_minutes (
    survey_id bigint NOT NULL REFERENCES surveys (id),
    minutes   integer NOT NULL,
    shard     smallint NOT NULL,
    n         bigint NOT NULL,
    CONSTRAINT completion_minutes_key UNIQUE (survey_id, minutes, shard)
);

CREATE FUNCTION canvass_count_tallies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The common case, a save moving a response on: its trigger's WHEN clause guarantees
    -- the two keys differ, so two rows, in key order, without grouping.
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
        UPDATE response_tallies SET n = n - 1
        WHERE survey_id = OLD.survey_id AND link_id IS NOT DISTINCT FROM OLD.link_id
          AND status = OLD.status AND last_section IS NOT DISTINCT FROM OLD.last_section
          AND shard = (OLD.id % 16)::smallint;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION canvass_count_choices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
    RETURN NULL;
END
$$;

-- Whole minutes from start to submission, capped at a day.
CREATE FUNCTION canvass_completion_minutes(started timestamptz, completed timestamptz)
RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT least(greatest(floor(extract(epoch FROM completed - started) / 60), 0), 1440)::integer
$$;

CREATE FUNCTION canvass_count_times() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO response_hours AS t (survey_id, hour, completed, shard, n)
    SELECT c.survey_id, c.hour, c.completed, c.shard, sum(c.d)
    FROM (
        SELECT OLD.survey_id, date_trunc('hour', OLD.started_at, 'UTC'), false,
               (OLD.id % 4)::smallint, -1
        WHERE TG_OP <> 'INSERT'
        UNION ALL
        SELECT OLD.survey_id, date_trunc('hour', OLD.completed_at, 'UTC'), true,
               (OLD.id % 4)::smallint, -1
        WHERE TG_OP <> 'INSERT' AND OLD.completed_at IS NOT NULL
        UNION ALL
        SELECT NEW.survey_id, date_trunc('hour', NEW.started_at, 'UTC'), false,
               (NEW.id % 4)::smallint, 1
        WHERE TG_OP <> 'DELETE'
        UNION ALL
        SELECT NEW.survey_id, date_trunc('hour', NEW.completed_at, 'UTC'), true,
               (NEW.id % 4)::smallint, 1
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

-- Each function runs only when a column it counts changed (the WHEN clauses are checked
-- without entering PL/pgSQL); most page saves move `last_section` and run one upsert.
CREATE TRIGGER responses_tallies_written AFTER INSERT OR DELETE ON responses
    FOR EACH ROW EXECUTE FUNCTION canvass_count_tallies();
CREATE TRIGGER responses_tallies_changed AFTER UPDATE ON responses
    FOR EACH ROW
    WHEN ((OLD.survey_id, OLD.link_id, OLD.status, OLD.last_section)
          IS DISTINCT FROM (NEW.survey_id, NEW.link_id, NEW.status, NEW.last_section))
    EXECUTE FUNCTION canvass_count_tallies();

CREATE TRIGGER responses_choices_written AFTER INSERT OR DELETE ON responses
    FOR EACH ROW EXECUTE FUNCTION canvass_count_choices();
CREATE TRIGGER responses_choices_changed AFTER UPDATE ON responses
    FOR EACH ROW
    WHEN ((OLD.survey_id, OLD.status, OLD.breakdown)
          IS DISTINCT FROM (NEW.survey_id, NEW.status, NEW.breakdown))
    EXECUTE FUNCTION canvass_count_choices();

CREATE TRIGGER responses_times_written AFTER INSERT OR DELETE ON responses
    FOR EACH ROW EXECUTE FUNCTION canvass_count_times();
CREATE TRIGGER responses_times_changed AFTER UPDATE ON responses
    FOR EACH ROW
    WHEN ((OLD.survey_id, OLD.started_at, OLD.completed_at)
          IS DISTINCT FROM (NEW.survey_id, NEW.started_at, NEW.completed_at))
    EXECUTE FUNCTION canvass_count_times();

-- Counts for the responses already stored (their breakdowns are filled at start).
INSERT INTO response_tallies (survey_id, link_id, status, last_section, shard, n)
SELECT survey_id, link_id, status, last_section, (id % 16)::smallint, count(*)
FROM responses GROUP BY 1, 2, 3, 4, 5;

INSERT INTO response_hours (survey_id, hour, completed, shard, n)
SELECT survey_id, date_trunc('hour', started_at, 'UTC'), false, (id % 4)::smallint, count(*)
FROM responses GROUP BY 1, 2, 3, 4
UNION ALL
SELECT survey_id, date_trunc('hour', completed_at, 'UTC'), true, (id % 4)::smallint, count(*)
FROM responses WHERE completed_at IS NOT NULL GROUP BY 1, 2, 3, 4;

INSERT INTO completion_minutes (survey_id, minutes, shard, n)
SELECT survey_id, canvass_completion_minutes(started_at, completed_at),
       (id % 16)::smallint, count(*)
FROM responses WHERE completed_at IS NOT NULL GROUP BY 1, 2, 3;
