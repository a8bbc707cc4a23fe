-- Every write to a response (a page saved, the final submit) bumps its revision, and is
-- applied only if the revision is still the one the validation was based on. A page save
-- is then a read and one conditional write statement: two round trips instead of a
-- transaction with a row lock (see db/src/responses.rs, `write`).
ALTER TABLE responses ADD COLUMN revision integer NOT NULL DEFAULT 0;
