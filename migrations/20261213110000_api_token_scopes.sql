-- API tokens get a scope and an end: the survey they read (NULL: every survey), what they
-- may read (the stats, the analysis, exports), and when they stop working. A token also
-- stops when the account that made it is deactivated (checked at each use, not stored).
ALTER TABLE api_tokens
    ADD COLUMN survey_id    bigint REFERENCES surveys (id),
    ADD COLUMN may_stats    boolean NOT NULL DEFAULT false,
    ADD COLUMN may_analysis boolean NOT NULL DEFAULT false,
    ADD COLUMN expires_at   timestamptz;

-- Tokens made before scopes keep what they could do (every survey's stats and analysis,
-- exports if granted), for the default lifetime from now.
UPDATE api_tokens
SET may_stats = true, may_analysis = true, expires_at = now() + interval '90 days';

ALTER TABLE api_tokens
    ALTER COLUMN expires_at SET NOT NULL,
    ADD CONSTRAINT api_tokens_some_use CHECK (may_stats OR may_analysis OR may_export);
