-- Surveys and their published versions. A published version is immutable: a changed
-- definition becomes a new version, and responses keep the version they were answered in.

CREATE TABLE surveys (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT surveys_slug_key UNIQUE (slug),
    CONSTRAINT surveys_slug_format CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$')
);

CREATE TABLE survey_versions (
    survey_id    bigint NOT NULL REFERENCES surveys (id),
    version      integer NOT NULL,
    -- The definition as written (TOML). It is the truth: the model is re-derived from it by
    -- canvass-core (and cached by the server), so a change of the model's Rust shape never
    -- strands stored data.
    source       text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT survey_versions_pkey PRIMARY KEY (survey_id, version),
    CONSTRAINT survey_versions_version_positive CHECK (version > 0)
);

-- Published versions never change and are never deleted.
CREATE FUNCTION survey_versions_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'survey version % of survey % is published and cannot be changed', OLD.version, OLD.survey_id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

CREATE TRIGGER survey_versions_immutable
    BEFORE UPDATE OR DELETE ON survey_versions
    FOR EACH ROW EXECUTE FUNCTION survey_versions_immutable();
