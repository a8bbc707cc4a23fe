-- Staff sign-in: sessions, ending them, and login throttling.

-- tower-sessions' PostgreSQL store (tower-sessions-sqlx-store 0.15), with the schema it
-- expects; created here so that the migrations own the whole database and the server
-- never runs DDL of its own. `data` is the session record, MessagePack-encoded.
CREATE SCHEMA tower_sessions;
CREATE TABLE tower_sessions.session (
    id          text PRIMARY KEY NOT NULL,
    data        bytea NOT NULL,
    expiry_date timestamptz NOT NULL
);
-- The cleanup task deletes expired sessions by date.
CREATE INDEX session_expiry_date_idx ON tower_sessions.session (expiry_date);

-- A session remembers the account's epoch at sign-in; deactivating the account or changing
-- its password or role moves the epoch on, and every session holding the old one ends on
-- its next request.
ALTER TABLE staff_users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;

-- Failed sign-ins of the last quarter of an hour, for throttling: by account (the e-mail as
-- typed, parsed; NULL once the account signed in successfully) and by address. The address is never stored in the clear: `address_key`
-- is SHA-256 over a random per-database salt and the address. Rows are deleted once older
-- than the window.
CREATE TABLE sign_in_failures (
    at          timestamptz NOT NULL DEFAULT now(),
    email       text,
    address_key bytea NOT NULL
);
CREATE INDEX sign_in_failures_email_idx ON sign_in_failures (email, at);
CREATE INDEX sign_in_failures_address_idx ON sign_in_failures (address_key, at);

-- One row: this database's salt for address keys, drawn once.
CREATE TABLE address_salt (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    salt text NOT NULL
);
INSERT INTO address_salt (salt) VALUES (gen_random_uuid()::text || gen_random_uuid()::text);

-- What an audit entry concerns beyond the target account (the new role, say). Never
-- personal data: no e-mail address, no password, no answer.
ALTER TABLE audit_log ADD COLUMN detail text;
