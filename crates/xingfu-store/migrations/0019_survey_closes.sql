-- A round's survey may close on a date the administrators set: answers are taken until then
-- (and, as before, only until a community's result is computed). NULL: no closing date.
ALTER TABLE survey_settings ADD COLUMN closes_at BIGINT;
