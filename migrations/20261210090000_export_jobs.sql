-- Dataset exports as background jobs. Any server instance runs a queued job (claimed with
-- FOR UPDATE SKIP LOCKED), reports its progress here, and stores the finished zip in
-- `export_parts`, so that any instance can show a job's state and serve its download.
-- A job whose heartbeat stops (its server was killed) is claimed again, up to three
-- attempts, then failed; its parts are only ever written in the transaction that marks it
-- done, so no half file is ever offered as complete.
CREATE TYPE export_state AS ENUM ('queued', 'running', 'done', 'failed', 'cancelled', 'expired');

CREATE TABLE exports (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    survey_id     bigint NOT NULL REFERENCES surveys (id),
    -- Who asked: a staff member, or an API token (exactly one).
    requested_by  bigint REFERENCES staff_users (id),
    token_id      bigint REFERENCES api_tokens (id),
    -- The settings as the fields they parse from (canvass_core::export::request).
    settings      jsonb NOT NULL,
    -- Only admins may follow and download it (it holds free text).
    admins_only   boolean NOT NULL DEFAULT false,
    state         export_state NOT NULL DEFAULT 'queued',
    attempts      integer NOT NULL DEFAULT 0,
    rows_total    bigint,
    rows_written  bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    heartbeat_at  timestamptz,
    finished_at   timestamptz,
    -- How long the zip is kept once done.
    keep_for      interval NOT NULL,
    expires_at    timestamptz,
    size_bytes    bigint,
    -- The zip's SHA-256, and each file's in it (file name → hex).
    sha256        text,
    file_hashes   jsonb,
    -- Why it failed, for staff (never personal data).
    error         text,
    CONSTRAINT exports_requester CHECK ((requested_by IS NULL) <> (token_id IS NULL))
);

CREATE INDEX exports_survey_idx ON exports (survey_id, id DESC);
CREATE INDEX exports_pending_idx ON exports (id) WHERE state IN ('queued', 'running');
CREATE INDEX exports_expiring_idx ON exports (expires_at) WHERE state = 'done';

-- The finished zip, in 1 MiB parts, read back one part at a time. Zip data do not
-- compress: stored as they are.
CREATE TABLE export_parts (
    export_id bigint NOT NULL REFERENCES exports (id) ON DELETE CASCADE,
    n         integer NOT NULL,
    bytes     bytea NOT NULL,
    CONSTRAINT export_parts_pkey PRIMARY KEY (export_id, n)
);
ALTER TABLE export_parts ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- API tokens that may start and download exports (admins grant it when making one).
ALTER TABLE api_tokens ADD COLUMN may_export boolean NOT NULL DEFAULT false;
