-- Duplicate signals: a response begun in a browser that had already begun one for the same
-- survey (it still held the survey's resume cookie) is flagged, never refused or deleted:
-- a shared computer in a reading room is a reason, not only a second try. The dashboard
-- counts flagged responses from a maintained count, like the rest of its figures.
ALTER TABLE responses ADD COLUMN same_browser boolean NOT NULL DEFAULT false;

-- Flagged responses by status.
CREATE TABLE flag_tallies (
    survey_id bigint NOT NULL REFERENCES surveys (id),
    flag      text NOT NULL,
    status    response_status NOT NULL,
    shard     smallint NOT NULL,
    n         bigint NOT NULL,
    CONSTRAINT flag_tallies_key UNIQUE (survey_id, flag, status, shard)
);

CREATE FUNCTION canvass_count_flags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO flag_tallies AS t (survey_id, flag, status, shard, n)
    SELECT c.survey_id, c.flag, c.status, c.shard, sum(c.d)
    FROM (
        SELECT OLD.survey_id, 'same_browser', OLD.status, (OLD.id % 16)::smallint, -1
        WHERE TG_OP <> 'INSERT' AND OLD.same_browser
        UNION ALL
        SELECT NEW.survey_id, 'same_browser', NEW.status, (NEW.id % 16)::smallint, 1
        WHERE TG_OP <> 'DELETE' AND NEW.same_browser
    ) AS c (survey_id, flag, status, shard, d)
    GROUP BY 1, 2, 3, 4 HAVING sum(c.d) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT ON CONSTRAINT flag_tallies_key DO UPDATE SET n = t.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

-- Only flagged responses enter the function at all.
CREATE TRIGGER responses_flags_inserted AFTER INSERT ON responses
    FOR EACH ROW WHEN (NEW.same_browser) EXECUTE FUNCTION canvass_count_flags();
CREATE TRIGGER responses_flags_deleted AFTER DELETE ON responses
    FOR EACH ROW WHEN (OLD.same_browser) EXECUTE FUNCTION canvass_count_flags();
CREATE TRIGGER responses_flags_changed AFTER UPDATE ON responses
    FOR EACH ROW
    WHEN ((OLD.same_browser OR NEW.same_browser)
          AND (OLD.survey_id, OLD.status, OLD.same_browser)
              IS DISTINCT FROM (NEW.survey_id, NEW.status, NEW.same_browser))
    EXECUTE FUNCTION canvass_count_flags();
