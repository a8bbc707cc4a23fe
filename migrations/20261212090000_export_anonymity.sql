-- What an anonymized export did (k reached, rows suppressed, each quasi-identifier's level),
-- shown on the export page and in the job's JSON before download. NULL for an
-- identifiable export, and for jobs not done.
ALTER TABLE exports ADD COLUMN anonymity jsonb;
