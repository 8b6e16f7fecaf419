-- Resident satisfaction surveys (群众满意度调查 / 居民幸福感调查). The same portability rules as 0001.

-- Secrets the server keeps in its database (hex), made once on first use: several app servers on
-- one database then hash the same household to the same value.
CREATE TABLE server_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL CHECK (length(value) >= 64),
    created_at BIGINT NOT NULL
);

-- The survey a round runs: its questionnaire (the exact file text, like a standard's) and the
-- sample size each community must reach before its survey clauses are scored from the survey.
CREATE TABLE survey_settings (
    round_id              TEXT PRIMARY KEY REFERENCES rounds (id),
    questionnaire_id      TEXT NOT NULL,
    questionnaire_version TEXT NOT NULL,
    questionnaire_body    TEXT NOT NULL,
    quota                 BIGINT NOT NULL CHECK (quota >= 0),
    updated_at            BIGINT NOT NULL,
    updated_by            TEXT NOT NULL
);

-- The resident link of one community in one round (the QR-code poster carries it). The token is
-- printed on posters, so it is not a secret; it is random so that links cannot be guessed.
CREATE TABLE survey_links (
    token          TEXT PRIMARY KEY,
    round_id       TEXT NOT NULL REFERENCES rounds (id),
    community_code TEXT NOT NULL REFERENCES regions (code),
    created_at     BIGINT NOT NULL,
    created_by     TEXT NOT NULL,
    UNIQUE (round_id, community_code)
);

-- One household's answers. The household and the sender's network address are kept only as
-- HMAC-SHA256 values (hex); one answer per household and one per client token in a round.
CREATE TABLE survey_answers (
    id                    TEXT PRIMARY KEY,
    round_id              TEXT NOT NULL REFERENCES rounds (id),
    community_code        TEXT NOT NULL REFERENCES regions (code),
    questionnaire_id      TEXT NOT NULL,
    questionnaire_version TEXT NOT NULL,
    household             TEXT NOT NULL,
    client_token          TEXT NOT NULL,
    channel               TEXT NOT NULL CHECK (channel IN ('resident_link', 'phone', 'paper', 'home_visit')),
    entered_by            TEXT,          -- the staff member's user name; NULL for residents
    source                TEXT,          -- HMAC of the sender's network address
    lat_e6                BIGINT,        -- WGS-84 latitude in millionths of a degree, when located
    lon_e6                BIGINT,
    pattern               TEXT NOT NULL, -- every rated answer in question order, for fraud signals
    answers               TEXT NOT NULL, -- JSON: {"Q1": {"choice": "satisfied"}, "Q6": {"text": "…"}}
    at                    BIGINT NOT NULL,
    UNIQUE (round_id, household),
    UNIQUE (round_id, client_token)
);
CREATE INDEX survey_answers_community ON survey_answers (round_id, community_code, at);

-- The running aggregate: one row per counter (`respondents`, `option:Q1:satisfied`, …) per
-- community, added to in the same transaction as the answers it counts. A street's or district's
-- results are the sums of its communities' rows (a primary-key range).
CREATE TABLE survey_tallies (
    round_id       TEXT NOT NULL,
    community_code TEXT NOT NULL,
    counter        TEXT NOT NULL,
    count          BIGINT NOT NULL,
    PRIMARY KEY (round_id, community_code, counter)
);

-- Where a community is, for the "answer from outside the community" signal: JSON of the core's
-- CommunityArea (a circle or a polygon), WGS-84.
CREATE TABLE survey_areas (
    community_code TEXT PRIMARY KEY REFERENCES regions (code),
    area           TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL
);
