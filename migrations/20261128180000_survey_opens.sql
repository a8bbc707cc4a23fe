-- Welcome pages opened at a survey's own address (not through a distribution link, whose
-- opens the link counts), by browsers that neither came through a link nor have begun a
-- response: the rest of the participation rate's denominator. Sharded like the other
-- counts, since every visitor increments it.
CREATE TABLE survey_opens (
    survey_id bigint NOT NULL REFERENCES surveys (id),
    shard     smallint NOT NULL,
    n         bigint NOT NULL,
    CONSTRAINT survey_opens_key UNIQUE (survey_id, shard)
);
