-- An admin downloaded a survey's invitee list with e-mail addresses and progress: personal
-- data leaving the system, so it is audited.
ALTER TYPE audit_action ADD VALUE 'invitees_exported';
