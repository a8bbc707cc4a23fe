-- Distribution links (`/l/{code}`): one per channel a survey is spread through (a
-- provincial society, a hospital, a messaging group), each with what it fixes, its target
-- and whether it still accepts respondents. A response remembers the link it came through.
CREATE TABLE distribution_links (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id      bigint NOT NULL REFERENCES surveys (id),
    -- Random, short enough to type from a poster: ten lower-case letters and digits.
    code           text NOT NULL,
    name           text NOT NULL,
    channel        text NOT NULL,
    -- A choice code of the survey's `role` / `province` question, checked by the server.
    fixed_role     text,
    fixed_province text,
    -- Expected number of eligible respondents, shown as progress.
    target         integer,
    open           boolean NOT NULL DEFAULT true,
    -- Welcome pages opened through the link.
    opens          bigint NOT NULL DEFAULT 0,
    created_by     bigint REFERENCES staff_users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT distribution_links_code_key UNIQUE (code),
    CONSTRAINT distribution_links_code_check CHECK (code ~ '^[0-9a-z]{10}$'),
    CONSTRAINT distribution_links_name_check CHECK (length(name) BETWEEN 1 AND 200),
    CONSTRAINT distribution_links_channel_check CHECK (length(channel) BETWEEN 1 AND 100),
    CONSTRAINT distribution_links_target_check CHECK (target > 0)
);
CREATE INDEX distribution_links_survey_idx ON distribution_links (survey_id, created_at);

ALTER TABLE responses ADD COLUMN link_id bigint REFERENCES distribution_links (id);

ALTER TYPE audit_action ADD VALUE 'link_created';
ALTER TYPE audit_action ADD VALUE 'link_closed';
ALTER TYPE audit_action ADD VALUE 'link_reopened';
