-- The yearly round as a workflow; the same portability rules as 0001.

CREATE TABLE standards (
    id        TEXT NOT NULL,
    version   TEXT NOT NULL,
    body      TEXT NOT NULL,           -- the TOML file as loaded
    loaded_at BIGINT NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE rounds (
    id               TEXT PRIMARY KEY,
    year             BIGINT NOT NULL,
    region_code      TEXT NOT NULL REFERENCES regions (code),
    standard_id      TEXT NOT NULL,
    standard_version TEXT NOT NULL,
    objection_days   BIGINT NOT NULL,
    opened_at        BIGINT NOT NULL,
    opened_by        TEXT NOT NULL,
    UNIQUE (year, region_code, standard_id),
    FOREIGN KEY (standard_id, standard_version) REFERENCES standards (id, version)
);

-- One community in one round.
CREATE TABLE entries (
    round_id        TEXT NOT NULL REFERENCES rounds (id),
    community_code  TEXT NOT NULL REFERENCES regions (code),
    stage           TEXT NOT NULL,
    previous_star   BIGINT NOT NULL,
    declared_at     BIGINT NOT NULL,
    declared_by     TEXT NOT NULL,
    total           BIGINT,            -- hundredths of a point
    share           BIGINT,            -- hundredths of a percent
    star_by_score   BIGINT,
    star            BIGINT,
    decision        TEXT,
    vetoed_by       TEXT,              -- JSON list of clause ids, with reasons
    refusal         TEXT,
    approved_by     TEXT,
    approved_at     BIGINT,
    published_at    BIGINT,
    objection_until BIGINT,
    named_at        BIGINT,
    reward_fen      BIGINT,
    reward_basis    TEXT,
    version         BIGINT NOT NULL,   -- optimistic concurrency: bumped on every change
    PRIMARY KEY (round_id, community_code)
);

-- Answers per clause: the declaration's self-assessment (sheet = 'self') or an assessor's sheet.
CREATE TABLE answers (
    round_id       TEXT NOT NULL,
    community_code TEXT NOT NULL,
    sheet          TEXT NOT NULL,      -- 'self' or the assessor's user id
    clause_id      TEXT NOT NULL,
    answer         TEXT NOT NULL,      -- JSON: {"met": true} | {"number": 12.5}, with "note"
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL,
    PRIMARY KEY (round_id, community_code, sheet, clause_id),
    FOREIGN KEY (round_id, community_code) REFERENCES entries (round_id, community_code)
);

CREATE TABLE evidence (
    id             TEXT PRIMARY KEY,
    round_id       TEXT NOT NULL,
    community_code TEXT NOT NULL,
    clause_id      TEXT NOT NULL,
    file_key       TEXT NOT NULL,      -- key in the file store
    file_name      TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           BIGINT NOT NULL,
    uploaded_by    TEXT NOT NULL,
    uploaded_at    BIGINT NOT NULL,
    FOREIGN KEY (round_id, community_code) REFERENCES entries (round_id, community_code)
);

-- 整改: an unmet clause becomes a task with an owner, a deadline, evidence and verification.
CREATE TABLE rectifications (
    id             TEXT PRIMARY KEY,
    round_id       TEXT NOT NULL,
    community_code TEXT NOT NULL,
    clause_id      TEXT NOT NULL,
    owner          TEXT NOT NULL,
    deadline       BIGINT NOT NULL,
    status         TEXT NOT NULL,      -- open | submitted | verified | reopened
    report         TEXT,
    verified_by    TEXT,
    verified_at    BIGINT,
    created_at     BIGINT NOT NULL,
    UNIQUE (round_id, community_code, clause_id),
    FOREIGN KEY (round_id, community_code) REFERENCES entries (round_id, community_code)
);

-- What each government level owes for an entry's reward.
CREATE TABLE reward_shares (
    round_id       TEXT NOT NULL,
    community_code TEXT NOT NULL,
    level          TEXT NOT NULL,
    amount_fen     BIGINT NOT NULL,
    PRIMARY KEY (round_id, community_code, level),
    FOREIGN KEY (round_id, community_code) REFERENCES entries (round_id, community_code)
);

-- Append-only, hash-chained: each row's hash covers the previous row's hash and its own fields.
CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor          TEXT NOT NULL,
    round_id       TEXT,
    community_code TEXT,
    action         TEXT NOT NULL,
    before_json    TEXT,
    after_json     TEXT,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);
CREATE INDEX audit_log_community ON audit_log (community_code, seq);
