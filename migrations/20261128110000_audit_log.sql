-- Who did what to which account, and when: sign-ins, account and role changes, surveys
-- published, exports made. Append-only: rows are never changed or removed (a trigger
-- refuses UPDATE, DELETE and TRUNCATE). `actor_id` is NULL for the command line.
CREATE TYPE audit_action AS ENUM (
    'sign_in', 'sign_in_failed', 'sign_out',
    'user_created', 'user_changed', 'user_deactivated', 'user_reactivated',
    'role_changed', 'password_changed',
    'survey_published', 'export_made'
);

CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor_id       bigint REFERENCES staff_users (id),
    action         audit_action NOT NULL,
    target_user_id bigint REFERENCES staff_users (id)
);

CREATE INDEX audit_log_at_idx ON audit_log (at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
