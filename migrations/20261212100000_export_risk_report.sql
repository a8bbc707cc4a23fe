-- The risk report of an anonymized export (risk.html, as in its zip), kept so staff can
-- read it before downloading; a preview run keeps only this and the summary, no zip.
ALTER TABLE exports ADD COLUMN risk_html text;
