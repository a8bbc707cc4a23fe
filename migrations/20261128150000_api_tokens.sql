-- API tokens: what a script or another system presents (`Authorization: Bearer …`) to read
-- `/api/v1/surveys/{slug}/stats` without a staff session. Admins make and revoke them.
-- Only the SHA-256 of a token is stored: a token is 256 random bits, so a fast hash is
-- enough, and a database dump opens nothing. The token is shown once, when made.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL,
    token_hash   bytea NOT NULL,
    -- The token's first characters (`cnv_1a2b3c4d`), to tell tokens apart in the list.
    prefix       text NOT NULL,
    created_by   bigint REFERENCES staff_users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- Updated at most once a minute.
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash),
    CONSTRAINT api_tokens_name_check CHECK (length(name) BETWEEN 1 AND 200)
);

ALTER TYPE audit_action ADD VALUE 'token_created';
ALTER TYPE audit_action ADD VALUE 'token_revoked';
