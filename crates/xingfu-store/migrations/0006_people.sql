-- Home visits (入户走访) with special-attention lists, and volunteers with points and the love
-- mall (爱心商城). The same portability rules as 0001: only TEXT and BIGINT, times in Unix
-- milliseconds, flags 0/1.
--
-- Personal data is kept to what the work needs: a household is an address with an optional
-- contact name and phone; a person on a list is a name or form of address (称呼) and a short
-- note. No identity-card numbers, birth dates or incomes are stored anywhere.

-- Operations roles on top of an account (workflow roles stay as they are): a grid member
-- (网格员) serves grids, a building head (楼栋长) looks after buildings, inside one community.
CREATE TABLE people_assignments (
    user_id        TEXT NOT NULL REFERENCES users (id),
    kind           TEXT NOT NULL CHECK (kind IN ('grid_member', 'building_head')),
    community_code TEXT NOT NULL REFERENCES regions (code),
    scope          TEXT NOT NULL CHECK (length(scope) > 0),  -- grid id or building id
    assigned_by    TEXT NOT NULL,
    assigned_at    BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind, community_code, scope)
);
CREATE INDEX people_assignments_community ON people_assignments (community_code);

CREATE TABLE households (
    id             TEXT PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES regions (code),
    grid_id        TEXT,
    building       TEXT,
    address        TEXT NOT NULL CHECK (length(address) > 0),  -- door number within the community
    contact_name   TEXT,
    phone          TEXT,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX households_community ON households (community_code, grid_id);

-- One person on one special-attention list (重点关注人群). Removal keeps the row.
CREATE TABLE attention_entries (
    id             TEXT PRIMARY KEY,
    household_id   TEXT NOT NULL REFERENCES households (id),
    community_code TEXT NOT NULL,
    person         TEXT NOT NULL CHECK (length(person) > 0),
    category       TEXT NOT NULL,
    note           TEXT,
    added_by       TEXT NOT NULL,
    added_at       BIGINT NOT NULL,
    removed_by     TEXT,
    removed_at     BIGINT
);
CREATE INDEX attention_entries_community ON attention_entries (community_code, category);
CREATE INDEX attention_entries_household ON attention_entries (household_id);

CREATE TABLE visits (
    id             TEXT PRIMARY KEY,
    household_id   TEXT NOT NULL REFERENCES households (id),
    community_code TEXT NOT NULL,
    grid_id        TEXT,
    visitor_id     TEXT NOT NULL,
    visited_at     BIGINT NOT NULL,
    purpose        TEXT NOT NULL,
    notes          TEXT NOT NULL,
    recorded_at    BIGINT NOT NULL
);
CREATE INDEX visits_household ON visits (household_id, visited_at);
CREATE INDEX visits_community ON visits (community_code, visited_at);

CREATE TABLE visit_follow_ups (
    visit_id TEXT NOT NULL REFERENCES visits (id),
    seq      BIGINT NOT NULL,          -- 1, 2, … in the order given
    what     TEXT NOT NULL CHECK (length(what) > 0),
    due      BIGINT,
    done_at  BIGINT,
    done_by  TEXT,
    PRIMARY KEY (visit_id, seq)
);

-- Every view of a special-attention list or a household's record: who, when, what.
CREATE TABLE access_log (
    id             TEXT PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor_id       TEXT NOT NULL,
    actor_name     TEXT NOT NULL,
    actor_role     TEXT NOT NULL,      -- the operations role (grid_member, community_worker, …)
    community_code TEXT NOT NULL,      -- the community viewed, or the viewer's area for a summary
    subject        TEXT NOT NULL,      -- attention_counts | attention_list | household | household_list
    target         TEXT NOT NULL,      -- the list's category, the household id, or ''
    shown          BIGINT NOT NULL     -- how many named entries the view showed
);
CREATE INDEX access_log_community ON access_log (community_code, at);
CREATE INDEX access_log_at ON access_log (at);

-- 志愿者驿站 / 党群服务站(点).
CREATE TABLE volunteer_stations (
    id             TEXT PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES regions (code),
    name           TEXT NOT NULL CHECK (length(name) > 0),
    created_at     BIGINT NOT NULL,
    UNIQUE (community_code, name)
);

CREATE TABLE volunteer_teams (
    id             TEXT PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES regions (code),
    name           TEXT NOT NULL CHECK (length(name) > 0),
    station_id     TEXT REFERENCES volunteer_stations (id),
    created_at     BIGINT NOT NULL,
    UNIQUE (community_code, name)
);

CREATE TABLE volunteers (
    id             TEXT PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES regions (code),
    name           TEXT NOT NULL CHECK (length(name) > 0),
    team_id        TEXT REFERENCES volunteer_teams (id),
    user_id        TEXT UNIQUE REFERENCES users (id),  -- the volunteer's own account, if any
    phone          TEXT,
    joined_at      BIGINT NOT NULL
);
CREATE INDEX volunteers_community ON volunteers (community_code);

CREATE TABLE volunteer_activities (
    id             TEXT PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES regions (code),
    title          TEXT NOT NULL CHECK (length(title) > 0),
    activity_type  TEXT NOT NULL,
    station_id     TEXT REFERENCES volunteer_stations (id),
    team_id        TEXT REFERENCES volunteer_teams (id),
    starts_at      BIGINT NOT NULL,
    ends_at        BIGINT NOT NULL,
    people_served  BIGINT NOT NULL DEFAULT 0 CHECK (people_served >= 0),
    cancelled      BIGINT NOT NULL DEFAULT 0,
    created_by     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX volunteer_activities_community ON volunteer_activities (community_code, starts_at);

CREATE TABLE volunteer_sign_ins (
    activity_id   TEXT NOT NULL REFERENCES volunteer_activities (id),
    volunteer_id  TEXT NOT NULL REFERENCES volunteers (id),
    signed_in_at  BIGINT NOT NULL,
    signed_out_at BIGINT,
    minutes       BIGINT NOT NULL DEFAULT 0,   -- counted time, set at sign-out
    points        BIGINT NOT NULL DEFAULT 0,
    recorded_by   TEXT NOT NULL,
    PRIMARY KEY (activity_id, volunteer_id)
);

CREATE TABLE mall_items (
    id             TEXT PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES regions (code),
    name           TEXT NOT NULL CHECK (length(name) > 0),
    cost           BIGINT NOT NULL CHECK (cost > 0),     -- points per unit
    stock          BIGINT NOT NULL CHECK (stock >= 0),
    active         BIGINT NOT NULL DEFAULT 1,
    created_at     BIGINT NOT NULL
);
CREATE INDEX mall_items_community ON mall_items (community_code);

-- The balance kept beside the ledger, changed in the same transaction as each ledger row; the
-- database itself refuses a negative balance.
CREATE TABLE points_balances (
    volunteer_id TEXT PRIMARY KEY REFERENCES volunteers (id),
    balance      BIGINT NOT NULL CHECK (balance >= 0)
);

-- Append-only. The key makes every operation idempotent: earn:<activity>:<volunteer>,
-- redeem:<volunteer>:<request key>, refund:<redemption key>, adjust:<id>.
CREATE TABLE points_ledger (
    key          TEXT PRIMARY KEY,
    volunteer_id TEXT NOT NULL REFERENCES volunteers (id),
    seq          BIGINT NOT NULL,      -- the volunteer's own order: 1, 2, …
    at           BIGINT NOT NULL,
    points       BIGINT NOT NULL,      -- signed: earned positive, redeemed negative
    kind         TEXT NOT NULL CHECK (kind IN ('earn', 'redeem', 'refund', 'adjust')),
    activity_id  TEXT,
    item_id      TEXT REFERENCES mall_items (id),
    quantity     BIGINT,
    refund_of    TEXT UNIQUE,          -- a redemption is refunded at most once
    reason       TEXT,
    actor        TEXT NOT NULL,
    UNIQUE (volunteer_id, seq)
);
