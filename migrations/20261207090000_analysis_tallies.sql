-- The analysis pages' counts. A completed response never changes, and every figure the
-- pages show is additive (counts, sums, sums of squares, rank positions, the 2×2 table of
-- a gap, edge counts), so each response is folded once, when it completes and in the
-- submit's transaction, into the counters of its breakdown cell (its answers to the
-- survey's breakdown questions). A page adds up the cells its filters select; nothing is
-- counted again from the stored answers, whose JSON lives out of line.
--
-- `counters` holds every metric of the survey version, one after the other, in the layout
-- canvass-core defines (`analysis/layout.rs`); a published version never changes, so the
-- layout of a version's row never does either.
CREATE TABLE analysis_cells (
    survey_id      bigint NOT NULL REFERENCES surveys (id),
    survey_version integer NOT NULL,
    cell           jsonb NOT NULL,
    respondents    bigint NOT NULL,
    counters       float8[] NOT NULL,
    CONSTRAINT analysis_cells_key PRIMARY KEY (survey_id, survey_version, cell),
    CONSTRAINT analysis_cells_version_fkey FOREIGN KEY (survey_id, survey_version)
        REFERENCES survey_versions (survey_id, version)
);

-- Element-wise sum of two counter arrays of one layout. Arrays of different lengths (which
-- one layout never gives) keep the longer one's tail as it is.
CREATE FUNCTION canvass_add_counters(a float8[], b float8[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i), '{}')
    FROM unnest(a, b) WITH ORDINALITY AS t (x, y, i)
$$;

-- A submit appends its response's counters here, in the statement that completes it (no
-- transaction of its own, no upsert on a shared row); every server folds this heap into
-- `analysis_cells` each second, as it folds `response_moves`. Readers add what is not
-- folded yet, so figures are exact at any moment.
CREATE TABLE analysis_pending (
    survey_id      bigint NOT NULL,
    survey_version integer NOT NULL,
    cell           jsonb NOT NULL,
    counters       float8[] NOT NULL
);
-- A response's counters are about 2 KB, just over the size at which PostgreSQL would try
-- to compress them and move them out of line on every insert; kept in the row, an append
-- stays one heap write.
ALTER TABLE analysis_pending ALTER COLUMN counters SET STORAGE PLAIN;

-- Sums counter arrays of one layout: the fold adds a second's submits per cell at once.
CREATE AGGREGATE canvass_sum_counters(float8[]) (
    SFUNC = canvass_add_counters,
    STYPE = float8[],
    INITCOND = '{}'
);
