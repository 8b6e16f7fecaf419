-- Survey counters rolled up per street, district and city, kept in the same transaction as the
-- communities' own (survey_tallies), so an area's overview reads a few rows per unit.
CREATE TABLE survey_area_tallies (
    round_id  TEXT NOT NULL,
    area_code TEXT NOT NULL,
    level     TEXT NOT NULL,   -- street, district or city
    counter   TEXT NOT NULL,
    count     BIGINT NOT NULL,
    PRIMARY KEY (round_id, area_code, counter)
);
CREATE INDEX survey_area_tallies_by_level ON survey_area_tallies (round_id, level, area_code);

-- What the communities' tallies already hold (12-digit codes only, as the writer derives them).
INSERT INTO survey_area_tallies (round_id, area_code, level, counter, count)
SELECT round_id, substr(community_code, 1, 9) || '000', 'street', counter, SUM(count)
FROM survey_tallies WHERE length(community_code) = 12
GROUP BY round_id, substr(community_code, 1, 9), counter;
INSERT INTO survey_area_tallies (round_id, area_code, level, counter, count)
SELECT round_id, substr(community_code, 1, 6) || '000000', 'district', counter, SUM(count)
FROM survey_tallies WHERE length(community_code) = 12
GROUP BY round_id, substr(community_code, 1, 6), counter;
INSERT INTO survey_area_tallies (round_id, area_code, level, counter, count)
SELECT round_id, substr(community_code, 1, 4) || '00000000', 'city', counter, SUM(count)
FROM survey_tallies WHERE length(community_code) = 12
GROUP BY round_id, substr(community_code, 1, 4), counter;

-- 随手拍 figures per community, street, district and city and year (China Standard Time),
-- kept by each event's writes; filled from the events on the first start after this migration.
CREATE TABLE event_area_tallies (
    area_code TEXT NOT NULL,
    year      BIGINT NOT NULL,
    level     TEXT NOT NULL,   -- community, street, district or city
    reported  BIGINT NOT NULL,
    closed    BIGINT NOT NULL,
    on_time   BIGINT NOT NULL,
    overdue   BIGINT NOT NULL,
    PRIMARY KEY (area_code, year)
);
CREATE INDEX event_area_tallies_by_level ON event_area_tallies (year, level, area_code);
