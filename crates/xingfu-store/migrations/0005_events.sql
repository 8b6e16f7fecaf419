-- 网格与随手拍: grids drawn inside a community (members, buildings, 楼栋长) and event reports
-- handled in a closed loop across the community → street → district platform.
-- The same portability rules as 0001. Coordinates are WGS-84 degrees kept as text (Rust's
-- shortest round-trip form, so they come back bit for bit); grid bounding boxes are also kept
-- in whole microdegrees, rounded outwards, so the grids that may hold a point are an index
-- lookup.

CREATE TABLE grids (
    community_code TEXT NOT NULL REFERENCES regions (code),
    id             TEXT NOT NULL CHECK (length(id) > 0),
    name           TEXT NOT NULL,
    area_geojson   TEXT NOT NULL,      -- a GeoJSON MultiPolygon, WGS-84
    min_lon_e6     BIGINT NOT NULL,
    min_lat_e6     BIGINT NOT NULL,
    max_lon_e6     BIGINT NOT NULL,
    max_lat_e6     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL,
    PRIMARY KEY (community_code, id)
);
CREATE INDEX grids_bbox ON grids (min_lon_e6, max_lon_e6);

-- 网格员: accounts serving a grid, full- or part-time.
CREATE TABLE grid_members (
    community_code TEXT NOT NULL,
    grid_id        TEXT NOT NULL,
    username       TEXT NOT NULL REFERENCES users (username),
    duty           TEXT NOT NULL CHECK (duty IN ('full_time', 'part_time')),
    PRIMARY KEY (community_code, grid_id, username),
    FOREIGN KEY (community_code, grid_id) REFERENCES grids (community_code, id)
);
CREATE INDEX grid_members_user ON grid_members (username);

-- 楼栋 in a grid, each with an optional 楼栋长 (an account).
CREATE TABLE buildings (
    community_code TEXT NOT NULL,
    grid_id        TEXT NOT NULL,
    id             TEXT NOT NULL CHECK (length(id) > 0),
    name           TEXT NOT NULL,
    lon            TEXT,
    lat            TEXT,
    head           TEXT REFERENCES users (username),
    PRIMARY KEY (community_code, grid_id, id),
    FOREIGN KEY (community_code, grid_id) REFERENCES grids (community_code, id)
);
CREATE INDEX buildings_head ON buildings (head);

-- Event numbers are handed out by this row, in the transaction that writes the event, so
-- several app servers never hand out the same number.
CREATE TABLE event_counter (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO event_counter (name, value) VALUES ('events', 0);

-- 随手拍 events: one row per event, its current state; `version` is the optimistic-concurrency
-- counter every change is conditioned on.
CREATE TABLE events (
    id             BIGINT PRIMARY KEY,
    community_code TEXT NOT NULL REFERENCES regions (code),
    grid_id        TEXT,               -- NULL: handled at community level
    category       TEXT NOT NULL,
    description    TEXT NOT NULL,
    lon            TEXT NOT NULL,
    lat            TEXT NOT NULL,
    address        TEXT,
    reporter       TEXT REFERENCES users (username),   -- NULL: anonymous
    contact        TEXT,               -- JSON the reporting system sent (Open311); staff only
    external_media TEXT,               -- Open311 media_url, kept as given, never fetched
    state          TEXT NOT NULL CHECK (state IN ('reported', 'accepted', 'dispatched',
                       'in_progress', 'resolved', 'closed', 'rejected', 'merged')),
    level          TEXT NOT NULL CHECK (level IN ('community', 'street', 'district')),
    assignee       TEXT,
    reported_at    BIGINT NOT NULL,
    deadline       BIGINT,             -- NULL once final, so the sweep's index holds live events only
    resolved_at    BIGINT,
    closed_at      BIGINT,
    late           BIGINT NOT NULL CHECK (late IN (0, 1)),
    escalations    BIGINT NOT NULL,
    reopens        BIGINT NOT NULL,
    merged_into    BIGINT,
    updated_at     BIGINT NOT NULL,
    version        BIGINT NOT NULL CHECK (version >= 1)
);
-- The deadline sweep: `deadline < now`, answered from the index alone.
CREATE INDEX events_deadline ON events (deadline, id, state, level) WHERE deadline IS NOT NULL;
CREATE INDEX events_community ON events (community_code, reported_at);
CREATE INDEX events_reported ON events (reported_at);
CREATE INDEX events_reporter ON events (reporter);
CREATE INDEX events_merged ON events (merged_into);

-- Every step of every event: who did what, when, from which state and level to which.
-- (event_id, version) is unique, a second guard against two steps from the same version.
CREATE TABLE event_steps (
    event_id   BIGINT NOT NULL REFERENCES events (id),
    version    BIGINT NOT NULL,
    action     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    role       TEXT NOT NULL,
    at         BIGINT NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    from_level TEXT,
    to_level   TEXT NOT NULL,
    assignee   TEXT,
    note       TEXT,
    PRIMARY KEY (event_id, version)
);

-- Photos: `before` with the report, `after` with the resolution. The bytes live in the file
-- store under `file_key`, re-encoded without any metadata.
CREATE TABLE event_photos (
    id           TEXT PRIMARY KEY,
    event_id     BIGINT NOT NULL REFERENCES events (id),
    step_version BIGINT NOT NULL,      -- the step the photo came with (1: the report)
    stage        TEXT NOT NULL CHECK (stage IN ('before', 'after')),
    file_key     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    width        BIGINT NOT NULL,
    height       BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    uploaded_at  BIGINT NOT NULL
);
CREATE INDEX event_photos_event ON event_photos (event_id, uploaded_at);
