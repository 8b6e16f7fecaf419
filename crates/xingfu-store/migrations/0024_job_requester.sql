-- Who asked for a job that a person starts (an export, a batch of documents): only they may
-- download what it made, and their list of exports reads by this column.
ALTER TABLE jobs ADD COLUMN requested_by TEXT;
CREATE INDEX jobs_requested ON jobs (requested_by, created_at);
