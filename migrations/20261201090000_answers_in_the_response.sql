-- A response's answers live in the response itself: one jsonb object, question ID → what
-- became of the question (canvass-core's Outcome as JSON: answered, no answer, not asked),
-- merged with `||` by each page save. A save then writes one row instead of one per
-- question (no index entries and no foreign-key check per answer), and reading a response
-- back is a single row, not an aggregate over its answers. Per-answer save times are not
-- kept: nothing read them. Direct identifiers stay apart, in `contacts`.
ALTER TABLE responses ADD COLUMN answers jsonb NOT NULL DEFAULT '{}';

-- No trigger on `responses` watches this column: moving the answers counts nothing.
UPDATE responses r SET answers = a.answers
FROM (SELECT response_id, jsonb_object_agg(question_id, value) AS answers
      FROM answers GROUP BY response_id) a
WHERE a.response_id = r.id;

DROP TABLE answers;
