-- Optimistic versions for the forms that edit stored rows: a page carries the version it was
-- read at and a write is refused when the row has moved on since. The same portability rules
-- as 0001.

-- Each answer sheet (the declaration, or one assessor's sheet) has its own version: two people
-- saving the same sheet conflict, two assessors' sheets of one community never do. No row yet
-- means version 0.
CREATE TABLE sheet_versions (
    round_id       TEXT NOT NULL,
    community_code TEXT NOT NULL,
    sheet          TEXT NOT NULL,
    version        BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL,
    PRIMARY KEY (round_id, community_code, sheet),
    FOREIGN KEY (round_id, community_code) REFERENCES entries (round_id, community_code)
);

-- The sheet version that last wrote each answer, so a refused page can mark the answers changed
-- after it was read.
ALTER TABLE answers ADD COLUMN sheet_version BIGINT NOT NULL DEFAULT 0;

ALTER TABLE facilities ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE rectifications ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
