-- Service facilities (服务设施) by function, the 15-minute service circle's stored results,
-- community boundaries for it, and the "党建+" neighbourhood centres (邻里中心) with their star
-- ratings. The same portability rules as 0001: only TEXT and BIGINT, times in Unix
-- milliseconds.
--
-- Positions are WGS-84 (as OpenStreetMap) in whole micro-degrees: lon_e6 = round(lon × 10^6).
-- That is about 0.1 m on the ground, compares and indexes exactly on both databases, and no
-- decimal text has to be parsed back. GCJ-02 / BD-09 positions are converted before storing.

CREATE TABLE facilities (
    id             TEXT PRIMARY KEY,
    district_code  TEXT NOT NULL REFERENCES regions (code),
    -- Who keeps the record: the community when known, else the street or district it was
    -- registered in. Permissions follow this code.
    region_code    TEXT NOT NULL REFERENCES regions (code),
    community_code TEXT REFERENCES regions (code),   -- the community it lies in, when known
    name           TEXT NOT NULL CHECK (length(name) > 0),
    functions      TEXT NOT NULL CHECK (length(functions) > 0),  -- keys joined by ';', canonical order
    lon_e6         BIGINT NOT NULL CHECK (lon_e6 BETWEEN -180000000 AND 180000000),
    lat_e6         BIGINT NOT NULL CHECK (lat_e6 BETWEEN -90000000 AND 90000000),
    hours          TEXT,
    capacity       BIGINT CHECK (capacity >= 0),
    source         TEXT NOT NULL CHECK (source IN ('osm', 'csv', 'geojson', 'manual')),
    -- 'osm:n123' for OpenStreetMap, or the registry file's own id: importing again updates it.
    source_ref     TEXT,
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL
);
CREATE UNIQUE INDEX facilities_source_ref ON facilities (district_code, source_ref);
CREATE INDEX facilities_region ON facilities (region_code);

-- Boundaries of communities drawn for the circle (a GeoJSON Polygon or MultiPolygon, WGS-84).
CREATE TABLE circle_boundaries (
    community_code TEXT PRIMARY KEY REFERENCES regions (code),
    geometry_json  TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    updated_by     TEXT NOT NULL
);

-- The last coverage computed for a district: its parameters and what it was computed from.
CREATE TABLE circle_runs (
    district_code TEXT PRIMARY KEY REFERENCES regions (code),
    computed_at   BIGINT NOT NULL,
    computed_by   TEXT NOT NULL,
    network       TEXT NOT NULL,       -- the street network's label (its file name)
    minutes       BIGINT NOT NULL,
    speed_m_per_h BIGINT NOT NULL,
    -- 'communities': the origins inside the district's community boundaries;
    -- 'extract': no boundary is known, every origin of the network counts for the district.
    scope         TEXT NOT NULL CHECK (scope IN ('communities', 'extract')),
    summary_json  TEXT NOT NULL        -- graph size, counts, functions without facilities, boundary sources
);

-- Shares per area (a community, or the district for all the run's origins) and function.
CREATE TABLE circle_coverage (
    district_code TEXT NOT NULL REFERENCES circle_runs (district_code),
    area_code     TEXT NOT NULL,
    function      TEXT NOT NULL,       -- a function key, or 'all_six'
    covered       BIGINT NOT NULL CHECK (covered >= 0),
    total         BIGINT NOT NULL CHECK (total >= covered),
    share         BIGINT NOT NULL,     -- percent in hundredths, rounded down
    computed_at   BIGINT NOT NULL,
    PRIMARY KEY (area_code, function)
);
CREATE INDEX circle_coverage_district ON circle_coverage (district_code);

-- Every origin (home) of the run, for the gap map and the per-home walking times.
CREATE TABLE circle_origins (
    district_code  TEXT NOT NULL REFERENCES circle_runs (district_code),
    seq            BIGINT NOT NULL,
    origin_ref     TEXT NOT NULL,      -- 'osm:w123'
    lon_e6         BIGINT NOT NULL,
    lat_e6         BIGINT NOT NULL,
    community_code TEXT,
    covered_mask   BIGINT NOT NULL,    -- bit i: function i (in display order) within reach
    distances_m    TEXT NOT NULL,      -- metres to the nearest facility per function, ';'-separated, empty when none
    PRIMARY KEY (district_code, seq)
);
CREATE INDEX circle_origins_community ON circle_origins (community_code);

-- A facility run as a neighbourhood centre (邻里中心), with the community it serves.
CREATE TABLE centres (
    facility_id    TEXT PRIMARY KEY REFERENCES facilities (id),
    community_code TEXT NOT NULL REFERENCES regions (code),
    service_area   TEXT NOT NULL,      -- the area it serves, as staff describe it
    flagged_by     TEXT NOT NULL,
    flagged_at     BIGINT NOT NULL
);
CREATE INDEX centres_community ON centres (community_code);

-- Star ratings of centres; every rating is kept, the latest of a year counts.
CREATE TABLE centre_ratings (
    id               TEXT PRIMARY KEY,
    facility_id      TEXT NOT NULL REFERENCES centres (facility_id),
    community_code   TEXT NOT NULL,
    year             BIGINT NOT NULL,
    standard_id      TEXT NOT NULL,
    standard_version TEXT NOT NULL,
    answers_json     TEXT NOT NULL,
    result_json      TEXT NOT NULL,
    total            BIGINT NOT NULL,  -- hundredths of a point
    star             BIGINT NOT NULL,
    rated_by         TEXT NOT NULL,
    rated_at         BIGINT NOT NULL
);
CREATE INDEX centre_ratings_facility ON centre_ratings (facility_id, year, rated_at);
