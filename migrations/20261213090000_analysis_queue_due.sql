-- A response in progress is counted as partial once it has rested after its last page
-- save (`canvass_core::analysis::PARTIAL_REST_MINUTES`), not at every save: each page
-- save used to queue its response for a recount at the next tick, and the recounts cost
-- about a fifth of a page save's work in `bench-dashboard`, on top of the save. Folding
-- the moves now queues a response due at once when a move ended it (submitted, refused,
-- screened out, quota full) and due after the rest when it is still in progress; a later
-- save pushes the rest back. The fold takes only the responses due.
ALTER TABLE analysis_queue ADD COLUMN due_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX analysis_queue_due ON analysis_queue (due_at);
