-- Sign-in throttling without a lockout (issue 23, findings 1, 3 and 4). A try at a
-- password (a sign-in, or the current password of a password change) is reserved here
-- *before* the password is checked, under advisory locks on its account and its address,
-- so that concurrent tries cannot all pass one check; a right password deletes its
-- reservation, a wrong one stays as a failure. Limits (`db::throttle`): per account and
-- address, per address, and per account from all addresses except the addresses the
-- account signed in from before (`sign_in_known`), so a guesser elsewhere cannot lock the
-- owner out. Addresses are keyed in Rust (SHA-256 over `address_salt` and the address)
-- before they reach SQL. Rows older than the window are summed up into the audit log by
-- `throttle::summarize` and deleted.
DROP TABLE sign_in_failures;

CREATE TABLE sign_in_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    -- The e-mail address as parsed, else as typed (trimmed, lower-cased, cut short).
    account     text NOT NULL,
    address_key bytea NOT NULL
);
CREATE INDEX sign_in_attempts_account_idx ON sign_in_attempts (account, at);
CREATE INDEX sign_in_attempts_address_idx ON sign_in_attempts (address_key, at);
CREATE INDEX sign_in_attempts_at_idx ON sign_in_attempts (at);

-- Where each account last signed in successfully from (address keys, never addresses).
CREATE TABLE sign_in_known (
    account     text NOT NULL,
    address_key bytea NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, address_key)
);
