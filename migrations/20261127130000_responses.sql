-- Responses and their answers.

CREATE TYPE response_status AS ENUM ('in_progress', 'completed', 'refused', 'screened_out');

CREATE TABLE responses (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Random and non-sequential: the only ID that leaves the server.
    public_id        uuid NOT NULL DEFAULT gen_random_uuid(),
    -- SHA-256 of the resume code. The code itself is shown to the respondent once and
    -- never stored, so a database dump cannot be used to open anyone's response.
    resume_hash      bytea NOT NULL,
    survey_id        bigint NOT NULL,
    survey_version   integer NOT NULL,
    status           response_status NOT NULL DEFAULT 'in_progress',
    lang             text NOT NULL,
    last_section     text,
    started_at       timestamptz NOT NULL DEFAULT now(),
    last_activity_at timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    CONSTRAINT responses_public_id_key UNIQUE (public_id),
    CONSTRAINT responses_resume_hash_key UNIQUE (resume_hash),
    CONSTRAINT responses_version_fkey FOREIGN KEY (survey_id, survey_version)
        REFERENCES survey_versions (survey_id, version),
    CONSTRAINT responses_lang_check CHECK (lang IN ('zh', 'en')),
    CONSTRAINT responses_completed_at_check CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);

CREATE INDEX responses_survey_status_idx ON responses (survey_id, status);

-- One row per question of a response: a typed answer, or the record that it was not asked
-- or left empty (canvass-core's Outcome as JSON). Saving a page again overwrites its rows.
CREATE TABLE answers (
    response_id bigint NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id text NOT NULL,
    value       jsonb NOT NULL,
    saved_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT answers_pkey PRIMARY KEY (response_id, question_id)
);

-- Direct identifiers (a follow-up e-mail) are kept apart from the answers, so that no
-- query over answers, and no export built on them, can carry one by accident.
CREATE TABLE contacts (
    response_id bigint NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_id text NOT NULL,
    value       text NOT NULL,
    saved_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT contacts_pkey PRIMARY KEY (response_id, question_id)
);
