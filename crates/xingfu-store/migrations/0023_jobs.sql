-- The job queue: work that runs outside requests, each job once across every server.
-- A server claims a due job with a lease (on PostgreSQL the row is picked FOR UPDATE SKIP
-- LOCKED), runs it, and records the outcome only while it still holds the lease.
-- `dedupe_key` makes a job once: a periodic job's key names its period; a job queued when
-- something changes (coverage after facilities changed) gives its key up when it starts, so a
-- change during the run queues one more.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    -- The region the job concerns (who may see it); NULL for the whole platform.
    area TEXT,
    dedupe_key TEXT UNIQUE,
    release_key_on_start BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    run_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT,
    outcome TEXT,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX jobs_due ON jobs (state, run_at);
CREATE INDEX jobs_recent ON jobs (created_at);
