-- How fast respondents arrive from one place (issue 23, finding 6), in fixed ten-minute
-- windows: responses begun per client address and per distribution link (what the limits
-- on starting responses count), and responses completed per address (what the dashboard
-- flags as bursts). An address is keyed in Rust with this database's salt, as for sign-in
-- throttling, and never stored in the clear; a link by its code. The server deletes windows
-- older than 30 days every minute.
CREATE TABLE respondent_counts (
    survey_id    bigint NOT NULL REFERENCES surveys (id),
    kind         text NOT NULL,
    subject      bytea NOT NULL,
    window_start timestamptz NOT NULL,
    n            integer NOT NULL,
    CONSTRAINT respondent_counts_key PRIMARY KEY (survey_id, kind, subject, window_start),
    CONSTRAINT respondent_counts_kind_check
        CHECK (kind IN ('begun_by_address', 'begun_by_link', 'completed_by_address'))
);
