-- The analysis counts are made by the servers' background fold from the stored answers,
-- instead of by the submit (which appended about 2 KB of counters it computed itself:
-- 9–19% of a submit's cost in `bench-dashboard`, over the 10% allowed). A submit is now
-- the plain save statement; the move it appends carries the response's ID, as every page
-- save's does, and folding the moves queues those IDs in `analysis_queue`
-- (`monitor::fold_moves`). The fold (`analysis::fold`) takes queued responses in batches,
-- reads their answers once, and updates, in one transaction:
--   * `analysis_cells` with `partial = false`: completed responses, added once each (a
--     completed response never changes, and its completing move is appended once);
--   * `analysis_cells` with `partial = true`: responses in progress with a saved answer,
--     each counted as it now stands: its previous counts (kept in `analysis_partials`) are
--     taken away and its current ones added. When it completes, is screened out or is
--     refused, its partial counts are taken away.
-- Readers choose completed only (the default) or completed and partial.

ALTER TABLE response_moves ADD COLUMN response_id bigint;

-- Responses whose counts must be brought up to date: each once, however many moves.
CREATE TABLE analysis_queue (
    response_id bigint PRIMARY KEY
);

-- What each partial response adds now, to be taken away when it changes. No foreign key,
-- as for the moves: a response deleted by hand is taken away at its next fold.
CREATE TABLE analysis_partials (
    response_id    bigint PRIMARY KEY,
    survey_id      bigint NOT NULL,
    survey_version integer NOT NULL,
    cell           jsonb NOT NULL,
    counters       float8[] NOT NULL
);

DROP TABLE analysis_pending;
DROP AGGREGATE canvass_sum_counters(float8[]);
-- The fold adds counters in Rust, under an advisory lock (`analysis::add_cells`): element
-- by element in SQL, an addition cost more than the rest of a fold.
DROP FUNCTION canvass_add_counters(float8[], float8[]);

-- Counted again from the answers, partial responses included: every response that is
-- completed or in progress is queued, and the cells start empty.
TRUNCATE analysis_cells;
ALTER TABLE analysis_cells ADD COLUMN partial boolean NOT NULL DEFAULT false;
ALTER TABLE analysis_cells DROP CONSTRAINT analysis_cells_key;
ALTER TABLE analysis_cells
    ADD CONSTRAINT analysis_cells_key PRIMARY KEY (survey_id, survey_version, partial, cell);
ALTER TABLE analysis_cells ALTER COLUMN partial DROP DEFAULT;
INSERT INTO analysis_queue (response_id)
SELECT id FROM responses WHERE status IN ('completed', 'in_progress');
