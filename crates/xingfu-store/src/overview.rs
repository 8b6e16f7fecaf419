//! Area-wide reads for the overview (一张图): each figure is ONE grouped query over the area's
//! code range, summed per unit in the database (a unit is a code prefix: 4 digits for a city, 6
//! for a district, 9 for a street, 12 for a community), so the number of rows read does not grow
//! with the number of communities. Unit codes come back padded with zeros to 12 digits.

use xingfu_core::workflow::Stage;

use crate::sql::bind_list;
use crate::{Result, Store, code_range};

/// Digits of a unit's code prefix: 4, 6, 9 or 12 (anything else is read as 12).
fn digits(unit_digits: usize) -> usize {
    match unit_digits {
        4 | 6 | 9 => unit_digits,
        _ => 12,
    }
}

/// The unit a community code belongs to, as SQL: its first n digits padded with zeros to 12
/// (n is one of four constants, never input, so it is written into the SQL: PostgreSQL's
/// SUBSTR takes an `integer`).
fn unit_of(column: &str, unit_digits: usize) -> String {
    let n = digits(unit_digits);
    format!("SUBSTR({column}, 1, {n}) || '{}'", "0".repeat(12 - n))
}

/// Households on an attention list in a period, and of them those visited.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitAttention {
    /// The unit's code.
    pub unit: String,
    pub households: i64,
    pub visited: i64,
}

/// Volunteer activities held (not cancelled) in a period, and the minutes counted at them.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitVolunteering {
    /// The unit's code.
    pub unit: String,
    pub activities: i64,
    pub minutes: i64,
}

/// The latest computed 15-minute coverage (all six functions) of a unit's communities: homes
/// within reach and homes counted, summed.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitCircle {
    /// The unit's code.
    pub unit: String,
    pub communities: i64,
    pub covered: i64,
    pub homes: i64,
}

/// Where a unit's facilities and grids lie: the sums of their points (grids by the middle of
/// their bounding box) in millionths of a degree, and how many points.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitPoints {
    /// The unit's code.
    pub unit: String,
    pub lon_e6_sum: i64,
    pub lat_e6_sum: i64,
    pub points: i64,
}

/// A round's entries of one unit that stand alike for the overview: refused at the check or
/// not, with a total kept or not, their star, last year's star and the decision kept; and how
/// many.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitEntries {
    /// The unit's code.
    pub unit: String,
    /// 1 when refused at the eligibility check.
    pub refused: i64,
    /// 1 when a total is kept.
    pub total_kept: i64,
    pub star: Option<i64>,
    pub previous_star: i64,
    pub decision: Option<String>,
    pub entries: i64,
}

/// A round's rectification tasks of one unit, and of them those at `verified`.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitRectifications {
    /// The unit's code.
    pub unit: String,
    pub tasks: i64,
    pub verified: i64,
}

impl Store {
    /// The rows of a grouped read with the area's code range as `$1` and `$2`, and the period
    /// [from, to) as `$3` and `$4` when given.
    async fn grouped<T>(
        &self,
        sql: &str,
        prefix: &str,
        period: Option<(i64, i64)>,
    ) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let (low, high) = code_range(prefix);
        let mut query = sqlx::query_as(sql).bind(low).bind(high);
        if let Some((from, to)) = period {
            query = query.bind(from).bind(to);
        }
        Ok(query.fetch_all(self.pool()).await?)
    }

    /// The rows of a grouped read of one round with the area's code range as `$1` and `$2`,
    /// the round as `$3` and a stage's or status's key as `$4`.
    async fn grouped_in_round<T>(
        &self,
        sql: &str,
        prefix: &str,
        round_id: &str,
        key: &str,
    ) -> Result<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        let (low, high) = code_range(prefix);
        let query = sqlx::query_as(sql).bind(low).bind(high).bind(round_id);
        Ok(query.bind(key).fetch_all(self.pool()).await?)
    }

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
        // Streets, districts and cities read the roll-up the answers' writes keep (a few rows
        // per unit); communities their own tallies.
        let level = match digits(unit_digits) {
            4 => Some("city"),
            6 => Some("district"),
            9 => Some("street"),
            _ => None,
        };
        let sql = match level {
            Some(level) => format!(
                "SELECT round_id, area_code AS unit, counter, count AS n
                 FROM survey_area_tallies
                 WHERE area_code BETWEEN $1 AND $2 AND level = '{level}' AND round_id IN ({})",
                bind_list(3, rounds.len())
            ),
            None => format!(
                "SELECT round_id, community_code AS unit, counter, count AS n
                 FROM survey_tallies
                 WHERE community_code BETWEEN $1 AND $2 AND round_id IN ({})",
                bind_list(3, rounds.len())
            ),
        };
        let mut query = sqlx::query_as(&sql).bind(low).bind(high);
        for round in rounds {
            query = query.bind(round);
        }
        Ok(query.fetch_all(self.pool()).await?)
    }

    /// A round's entries under `prefix`, counted per unit and per what the overview reads of
    /// a result (a few rows per unit, however many communities). `refused` is the stage counted
    /// as refused.
    pub async fn entries_by_unit(
        &self,
        round_id: &str,
        prefix: &str,
        unit_digits: usize,
        refused: Stage,
    ) -> Result<Vec<UnitEntries>> {
        let unit = unit_of("community_code", unit_digits);
        let sql = format!(
            "SELECT {unit} AS unit,
                    CAST(CASE WHEN stage = $4 THEN 1 ELSE 0 END AS BIGINT) AS refused,
                    CAST(CASE WHEN total IS NULL THEN 0 ELSE 1 END AS BIGINT) AS total_kept,
                    star, previous_star, decision, CAST(COUNT(*) AS BIGINT) AS entries
             FROM entries
             WHERE community_code BETWEEN $1 AND $2 AND round_id = $3
             GROUP BY 1, 2, 3, 4, 5, 6"
        );
        self.grouped_in_round(&sql, prefix, round_id, refused.key())
            .await
    }

    /// A round's rectification tasks under `prefix` per unit, and of them those at `verified`
    /// (the status's key).
    pub async fn rectifications_by_unit(
        &self,
        round_id: &str,
        prefix: &str,
        unit_digits: usize,
        verified: &str,
    ) -> Result<Vec<UnitRectifications>> {
        let unit = unit_of("community_code", unit_digits);
        let sql = format!(
            "SELECT {unit} AS unit, CAST(COUNT(*) AS BIGINT) AS tasks,
                    CAST(SUM(CASE WHEN status = $4 THEN 1 ELSE 0 END) AS BIGINT) AS verified
             FROM rectifications
             WHERE community_code BETWEEN $1 AND $2 AND round_id = $3
             GROUP BY {unit}"
        );
        self.grouped_in_round(&sql, prefix, round_id, verified)
            .await
    }

    /// Per unit under `prefix`: the households on an attention list at any time in [from, to)
    /// (added before its end, not removed before its start), and of them those with a visit in
    /// it.
    pub async fn attention_visits_by_unit(
        &self,
        prefix: &str,
        unit_digits: usize,
        period: (i64, i64),
    ) -> Result<Vec<UnitAttention>> {
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
        self.grouped(&sql, prefix, Some(period)).await
    }

    /// Per unit under `prefix`: the volunteer activities starting in [from, to) and not
    /// cancelled, and the minutes their volunteers were counted at sign-out.
    pub async fn volunteering_by_unit(
        &self,
        prefix: &str,
        unit_digits: usize,
        period: (i64, i64),
    ) -> Result<Vec<UnitVolunteering>> {
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
        self.grouped(&sql, prefix, Some(period)).await
    }

    /// Per unit under `prefix`: the latest computed coverage of all six functions of its
    /// communities (a district's own row, kept when no boundary is known, is left out).
    pub async fn circle_coverage_by_unit(
        &self,
        prefix: &str,
        unit_digits: usize,
    ) -> Result<Vec<UnitCircle>> {
        let unit = unit_of("area_code", unit_digits);
        let sql = format!(
            "SELECT {unit} AS unit, CAST(COUNT(*) AS BIGINT) AS communities,
                    CAST(SUM(covered) AS BIGINT) AS covered, CAST(SUM(total) AS BIGINT) AS homes
             FROM circle_coverage
             WHERE area_code BETWEEN $1 AND $2 AND function = 'all_six'
                   AND area_code <> district_code
             GROUP BY {unit}"
        );
        self.grouped(&sql, prefix, None).await
    }

    /// Per unit under `prefix`: the points of its facilities (by the community they lie in, or
    /// the region that keeps them) and of its grids (the middle of each bounding box), summed.
    pub async fn points_by_unit(
        &self,
        prefix: &str,
        unit_digits: usize,
    ) -> Result<Vec<UnitPoints>> {
        let unit = unit_of("code", unit_digits);
        let sql = format!(
            "SELECT {unit} AS unit, CAST(SUM(lon) AS BIGINT) AS lon_e6_sum,
                    CAST(SUM(lat) AS BIGINT) AS lat_e6_sum, CAST(COUNT(*) AS BIGINT) AS points
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
        self.grouped(&sql, prefix, None).await
    }
}
