-- Quotas: optional caps on completed responses per role, per province, or per role and
-- province. A new respondent whose answers put them in a full cell ends politely with the
-- status `quota_full`; respondents already past those answers go on and may complete.
ALTER TYPE response_status ADD VALUE 'quota_full';

CREATE TABLE quotas (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id  bigint NOT NULL REFERENCES surveys (id),
    -- Choice codes of the survey's `role` and `province` questions, checked by the server;
    -- NULL: any.
    role       text,
    province   text,
    cap        integer NOT NULL,
    created_by bigint REFERENCES staff_users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT quotas_cell_key UNIQUE NULLS NOT DISTINCT (survey_id, role, province),
    CONSTRAINT quotas_cell_check CHECK (role IS NOT NULL OR province IS NOT NULL),
    CONSTRAINT quotas_cap_check CHECK (cap > 0)
);

-- Counting a cell's completed responses reads at most `cap` index entries, whatever the
-- number of responses: by role (and province), or by province alone.
CREATE INDEX responses_completed_role_idx
    ON responses (survey_id, (breakdown ->> 'role'), (breakdown ->> 'province'))
    WHERE status = 'completed';
CREATE INDEX responses_completed_province_idx
    ON responses (survey_id, (breakdown ->> 'province'))
    WHERE status = 'completed';

ALTER TYPE audit_action ADD VALUE 'quota_set';
ALTER TYPE audit_action ADD VALUE 'quota_removed';
