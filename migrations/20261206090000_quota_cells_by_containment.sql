-- Quotas count completed responses by the answers to the questions a survey names as its
-- strata, whatever their IDs, with one containment test over the copied breakdown answers:
-- `breakdown @> '{"role": "clinician", "province": "gd"}'`. The two expression indexes,
-- which named the questions `role` and `province`, give way to one GIN index over the
-- completed responses' breakdown.
DROP INDEX responses_completed_role_idx;
DROP INDEX responses_completed_province_idx;
CREATE INDEX responses_completed_breakdown_idx
    ON responses USING gin (breakdown jsonb_path_ops)
    WHERE status = 'completed';
