-- Answers fixed from outside the questionnaire: a distribution link or an invitation that
-- names the respondent's role or province. `{"role": "clinician", "province": "guangdong"}`:
-- saved as the answers, shown read-only, and never changed by a posted form. A page whose
-- every question is fixed (the screening page, when the role is) is skipped.
ALTER TABLE responses ADD COLUMN fixed jsonb NOT NULL DEFAULT '{}';
