-- Invitations: staff upload a list of invitees and get one single-use token each
-- (`/i/{token}`). A token starts one response, whose resume code is the token itself, so
-- using it again resumes that response. Only the token's SHA-256 is stored.
CREATE TABLE invitations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id   bigint NOT NULL REFERENCES surveys (id),
    -- The invitee's ID in the society's own list (the CSV's `id` column).
    external_id text NOT NULL,
    -- Choice codes of the survey's `province` and `role` questions, if the list gave them.
    province    text,
    role        text,
    token_hash  bytea NOT NULL,
    response_id bigint REFERENCES responses (id),
    created_by  bigint REFERENCES staff_users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    used_at     timestamptz,
    CONSTRAINT invitations_token_hash_key UNIQUE (token_hash),
    CONSTRAINT invitations_external_id_key UNIQUE (survey_id, external_id),
    CONSTRAINT invitations_response_key UNIQUE (response_id),
    CONSTRAINT invitations_external_id_check CHECK (length(external_id) BETWEEN 1 AND 100)
);

-- Invitees' e-mail addresses are personal data: kept apart, shown only to admins, never
-- in an export or a figure.
CREATE TABLE invitation_emails (
    invitation_id bigint PRIMARY KEY REFERENCES invitations (id) ON DELETE CASCADE,
    email         text NOT NULL
);

-- Responses begun through an invitation, counted by status for AAPOR RR1 and RR2.
ALTER TABLE responses ADD COLUMN invited boolean NOT NULL DEFAULT false;

CREATE OR REPLACE FUNCTION canvass_count_flags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
    RETURN NULL;
END
$$;

DROP TRIGGER responses_flags_inserted ON responses;
DROP TRIGGER responses_flags_deleted ON responses;
DROP TRIGGER responses_flags_changed ON responses;
CREATE TRIGGER responses_flags_inserted AFTER INSERT ON responses
    FOR EACH ROW WHEN (NEW.same_browser OR NEW.invited) EXECUTE FUNCTION canvass_count_flags();
CREATE TRIGGER responses_flags_deleted AFTER DELETE ON responses
    FOR EACH ROW WHEN (OLD.same_browser OR OLD.invited) EXECUTE FUNCTION canvass_count_flags();
CREATE TRIGGER responses_flags_changed AFTER UPDATE ON responses
    FOR EACH ROW
    WHEN ((OLD.same_browser OR NEW.same_browser OR OLD.invited OR NEW.invited)
          AND (OLD.survey_id, OLD.status, OLD.same_browser, OLD.invited)
              IS DISTINCT FROM (NEW.survey_id, NEW.status, NEW.same_browser, NEW.invited))
    EXECUTE FUNCTION canvass_count_flags();

ALTER TYPE audit_action ADD VALUE 'invitations_made';
