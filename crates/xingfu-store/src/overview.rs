//! Area-wide reads for the overview (一张图): each figure is ONE grouped query over the area's
//! code range, summed per unit in the database (a unit is a code prefix: 4 digits for a city, 6
//! for a district, 9 for a street, 12 for a community), so the number of rows read does not grow
//! with the number of communities. Unit codes come back padded to 12 digits.

use crate::sql::bind_list;
use crate::{Result, Store, code_range};

/// Digits of a unit's code prefix: 4, 6, 9 or 12 (anything else is read as 12).
fn digits(unit_digits: usize) -> usize {
    match unit_digits {
        4 | 6 | 9 => unit_digits,
        _ => 12,
    }
}

/// `SUBSTR(column, 1, n)`: the unit a community code belongs to (n is one of four constants,
/// never input, so it is written into the SQL: PostgreSQL's SUBSTR takes an `integer`).
fn unit_of(column: &str, unit_digits: usize) -> String {
    format!("SUBSTR({column}, 1, {})", digits(unit_digits))
}

fn padded(prefix: String) -> String {
    format!("{prefix:0<12}")
}

/// Households on an attention list in a period, and of them those visited.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitAttention {
    pub households: i64,
    pub visited: i64,
}

/// Volunteer activities held (not cancelled) in a period, and the minutes counted at them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitVolunteering {
    pub activities: i64,
    pub minutes: i64,
}

/// The latest computed 15-minute coverage (all six functions) of a unit's communities: homes
/// within reach and homes counted, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitCircle {
    pub communities: i64,
    pub covered: i64,
    pub homes: i64,
}

/// Where a unit's facilities and grids lie: the sums of their points (grids by the middle of
/// their bounding box) in millionths of a degree, and how many points.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitPoints {
    pub lon_e6_sum: i64,
    pub lat_e6_sum: i64,
    pub points: i64,
}

impl Store {
    /// The survey counters of the rounds' communities under `prefix`, summed per round, unit
    /// and counter: (round, unit, counter, count).
    pub async fn survey_counters_by_unit(
        &self,
        rounds: &[String],
        prefix: &str,
        unit_digits: usize,
    ) -> Result<Vec<(String, String, String, i64)>> {
        if rounds.is_empty() {
            return Ok(Vec::new());
        }
        let (low, high) = code_range(prefix);
        let unit = unit_of("community_code", unit_digits);
        let sql = format!(
            "SELECT round_id, {unit} AS unit, counter, CAST(SUM(count) AS BIGINT) AS n
             FROM survey_tallies
             WHERE community_code BETWEEN $1 AND $2 AND round_id IN ({})
             GROUP BY round_id, {unit}, counter",
            bind_list(3, rounds.len())
        );
        let mut query = sqlx::query_as(&sql).bind(low).bind(high);
        for round in rounds {
            query = query.bind(round);
        }
        let rows: Vec<(String, String, String, i64)> = query.fetch_all(self.pool()).await?;
        Ok(rows
            .into_iter()
            .map(|(round, unit, counter, n)| (round, padded(unit), counter, n))
            .collect())
    }

    /// Per unit under `prefix`: the households on an attention list at any time in [from, to)
    /// (added before its end, not removed before its start), and of them those with a visit in
    /// it.
    pub async fn attention_visits_by_unit(
        &self,
        prefix: &str,
        unit_digits: usize,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, UnitAttention)>> {
        let (low, high) = code_range(prefix);
        let unit = unit_of("e.community_code", unit_digits);
        let sql = format!(
            "SELECT {unit} AS unit,
                    CAST(COUNT(DISTINCT e.household_id) AS BIGINT) AS households,
                    CAST(COUNT(DISTINCT CASE WHEN EXISTS (
                        SELECT 1 FROM visits v WHERE v.household_id = e.household_id
                            AND v.visited_at >= $3 AND v.visited_at < $4)
                        THEN e.household_id END) AS BIGINT) AS visited
             FROM attention_entries e
             WHERE e.community_code BETWEEN $1 AND $2 AND e.added_at < $4
                   AND (e.removed_at IS NULL OR e.removed_at >= $3)
             GROUP BY {unit}"
        );
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(&sql)
            .bind(low)
            .bind(high)
            .bind(from)
            .bind(to)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(unit, households, visited)| {
                (
                    padded(unit),
                    UnitAttention {
                        households,
                        visited,
                    },
                )
            })
            .collect())
    }

    /// Per unit under `prefix`: the volunteer activities starting in [from, to) and not
    /// cancelled, and the minutes their volunteers were counted at sign-out.
    pub async fn volunteering_by_unit(
        &self,
        prefix: &str,
        unit_digits: usize,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, UnitVolunteering)>> {
        let (low, high) = code_range(prefix);
        let unit = unit_of("a.community_code", unit_digits);
        let sql = format!(
            "SELECT {unit} AS unit, CAST(COUNT(DISTINCT a.id) AS BIGINT) AS activities,
                    CAST(COALESCE(SUM(s.minutes), 0) AS BIGINT) AS minutes
             FROM volunteer_activities a
             LEFT JOIN volunteer_sign_ins s ON s.activity_id = a.id
             WHERE a.community_code BETWEEN $1 AND $2 AND a.starts_at >= $3 AND a.starts_at < $4
                   AND a.cancelled = 0
             GROUP BY {unit}"
        );
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(&sql)
            .bind(low)
            .bind(high)
            .bind(from)
            .bind(to)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(unit, activities, minutes)| {
                (
                    padded(unit),
                    UnitVolunteering {
                        activities,
                        minutes,
                    },
                )
            })
            .collect())
    }

    /// Per unit under `prefix`: the latest computed coverage of all six functions of its
    /// communities (a district's own row, kept when no boundary is known, is left out).
    pub async fn circle_coverage_by_unit(
        &self,
        prefix: &str,
        unit_digits: usize,
    ) -> Result<Vec<(String, UnitCircle)>> {
        let (low, high) = code_range(prefix);
        let unit = unit_of("area_code", unit_digits);
        let sql = format!(
            "SELECT {unit} AS unit, CAST(COUNT(*) AS BIGINT) AS communities,
                    CAST(SUM(covered) AS BIGINT) AS covered, CAST(SUM(total) AS BIGINT) AS homes
             FROM circle_coverage
             WHERE area_code BETWEEN $1 AND $2 AND function = 'all_six'
                   AND area_code <> district_code
             GROUP BY {unit}"
        );
        let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(&sql)
            .bind(low)
            .bind(high)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(unit, communities, covered, homes)| {
                (
                    padded(unit),
                    UnitCircle {
                        communities,
                        covered,
                        homes,
                    },
                )
            })
            .collect())
    }

    /// Per unit under `prefix`: the points of its facilities (by the community they lie in, or
    /// the region that keeps them) and of its grids (the middle of each bounding box), summed.
    pub async fn points_by_unit(
        &self,
        prefix: &str,
        unit_digits: usize,
    ) -> Result<Vec<(String, UnitPoints)>> {
        let (low, high) = code_range(prefix);
        let unit = unit_of("code", unit_digits);
        let sql = format!(
            "SELECT {unit} AS unit, CAST(SUM(lon) AS BIGINT) AS lon, CAST(SUM(lat) AS BIGINT) AS lat,
                    CAST(COUNT(*) AS BIGINT) AS points
             FROM (
                 SELECT COALESCE(community_code, region_code) AS code, lon_e6 AS lon, lat_e6 AS lat
                 FROM facilities
                 WHERE COALESCE(community_code, region_code) BETWEEN $1 AND $2
                 UNION ALL
                 SELECT community_code AS code, (min_lon_e6 + max_lon_e6) / 2 AS lon,
                        (min_lat_e6 + max_lat_e6) / 2 AS lat
                 FROM grids
                 WHERE community_code BETWEEN $1 AND $2
             ) p
             GROUP BY {unit}"
        );
        let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(&sql)
            .bind(low)
            .bind(high)
            .fetch_all(self.pool())
            .await?;
        Ok(rows
            .into_iter()
            .map(|(unit, lon_e6_sum, lat_e6_sum, points)| {
                (
                    padded(unit),
                    UnitPoints {
                        lon_e6_sum,
                        lat_e6_sum,
                        points,
                    },
                )
            })
            .collect())
    }
}
