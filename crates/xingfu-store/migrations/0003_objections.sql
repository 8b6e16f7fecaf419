-- 异议: objections lodged while a result is published, and how each was decided.
-- The same portability rules as 0001.

CREATE TABLE objections (
    id             TEXT PRIMARY KEY,
    round_id       TEXT NOT NULL,
    community_code TEXT NOT NULL,
    lodged_by      TEXT NOT NULL,      -- username
    lodged_at      BIGINT NOT NULL,
    text           TEXT NOT NULL CHECK (length(text) > 0),
    status         TEXT NOT NULL CHECK (status IN ('open', 'upheld', 'dismissed')),
    decided_by     TEXT,
    decided_at     BIGINT,
    decision_note  TEXT,
    FOREIGN KEY (round_id, community_code) REFERENCES entries (round_id, community_code)
);
CREATE INDEX objections_entry ON objections (round_id, community_code);
