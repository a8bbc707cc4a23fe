-- A cell's counters (and a partial response's) are kept packed (`core::analysis::pack`):
-- each counter one variable-length integer, a double in full only where it is not a whole
-- number. As `float8[]` a cell of the national survey took 2 KB, and every read and write
-- converted its some 260 elements one by one (PostgreSQL's `array_send`: 16 µs a cell);
-- packed it takes some 600 bytes, a single response's counts some 300. Only the fold (in
-- Rust, `db::analysis`) reads and writes them. The cells are counted again from the
-- stored answers: every completed or in-progress response is queued, and the servers'
-- fold recounts them (the figures fill up again as it goes).
TRUNCATE analysis_cells, analysis_partials;
ALTER TABLE analysis_cells ALTER COLUMN counters TYPE bytea USING ''::bytea;
ALTER TABLE analysis_partials ALTER COLUMN counters TYPE bytea USING ''::bytea;
INSERT INTO analysis_queue (response_id)
SELECT id FROM responses WHERE status IN ('completed', 'in_progress')
ON CONFLICT (response_id) DO UPDATE SET due_at = now();
