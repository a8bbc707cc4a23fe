-- A page save appends its move between (status, section) keys to `response_moves`
-- (`responses::write`) instead of upserting two rows of `response_tallies`: appending to a
-- heap with no index, key or trigger costs a save a fraction of the two upserts (about 8
-- against 68 µs per save in a pgbench model of the respondent's walk, folding included).
-- A background task of every server folds the moves into `response_tallies` every second
-- (`monitor::fold_moves`: one statement deletes them and adds their sum, so a reader sees
-- a move either pending or folded, never both), and readers count through
-- `response_tallies_live`, which adds the moves not folded yet. The moves pending are at
-- most about a second's saves while a server runs, so reading them stays cheap.
--
-- No foreign keys: a move copies its survey and link from the response row it was written
-- with, in the same statement, and surveys and links are never deleted.
--
-- Invariant (replacing migration 20261129110000's): an UPDATE of `responses` that bumps
-- `revision` must append its own move to `response_moves`, in the same statement; the row
-- trigger counts every other write in `response_tallies` directly.
CREATE TABLE response_moves (
    survey_id    bigint NOT NULL,
    link_id      bigint,
    from_section text,
    to_status    response_status NOT NULL,
    to_section   text
);

-- A move is always from `in_progress` (a save writes only a response in progress).
CREATE VIEW response_tallies_live AS
    SELECT survey_id, link_id, status, last_section, n
    FROM response_tallies
    UNION ALL
    SELECT survey_id, link_id, 'in_progress'::response_status, from_section, -1::bigint
    FROM response_moves
    UNION ALL
    SELECT survey_id, link_id, to_status, to_section, 1::bigint
    FROM response_moves;
