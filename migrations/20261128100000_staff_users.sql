-- Society staff and analysts who sign in (respondents never do). The e-mail is stored as
-- parsed (trimmed, lower case), so the unique key makes it unique whatever its case.
-- Only an argon2id hash of the password is kept (PHC string format).
CREATE TYPE staff_role AS ENUM ('admin', 'analyst', 'viewer');

CREATE TABLE staff_users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         text NOT NULL,
    display_name  text NOT NULL,
    role          staff_role NOT NULL,
    password_hash text NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT staff_users_email_key UNIQUE (email),
    CONSTRAINT staff_users_email_check CHECK (email = lower(btrim(email)) AND email LIKE '%_@_%'),
    CONSTRAINT staff_users_display_name_check CHECK (length(display_name) BETWEEN 1 AND 200)
);
