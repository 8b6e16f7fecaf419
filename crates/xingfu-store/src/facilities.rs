//! Service facilities (服务设施), the 15-minute circle's stored results, community boundaries
//! drawn for it, and neighbourhood centres (邻里中心) with their star ratings.
//!
//! Positions are WGS-84 whole micro-degrees ([`to_e6`]); function lists are the stable keys of
//! `xingfu_geo::ServiceFunction` joined by `;`. Coverage is stored per district as one run
//! (parameters, shares per area and function, every origin's result), replaced whole by the
//! next run in one transaction, so pages and metric clauses read figures that belong together.
//! Every change to facilities, boundaries, centres and ratings writes an audit row in the same
//! transaction.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;
use sqlx::AnyConnection;

use crate::audit::{AuditEvent, append};
use crate::sql::{Flag, placeholders};
use crate::{Result, Store, code_range, new_id};

/// Degrees as whole micro-degrees, rounded to nearest.
pub fn to_e6(degrees: f64) -> i64 {
    (degrees * 1e6).round() as i64
}

/// Whole micro-degrees as degrees.
pub fn from_e6(e6: i64) -> f64 {
    e6 as f64 / 1e6
}

/// Where a facility's record came from.
pub const SOURCES: [&str; 4] = ["osm", "csv", "geojson", "manual"];

/// A facility as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FacilityRow {
    pub id: String,
    pub district_code: String,
    /// Who keeps the record: its community when known, else a street or the district.
    pub region_code: String,
    pub community_code: Option<String>,
    pub name: String,
    /// Function keys in canonical order.
    #[sqlx(try_from = "FunctionList")]
    pub functions: Vec<String>,
    pub lon_e6: i64,
    pub lat_e6: i64,
    pub hours: Option<String>,
    pub capacity: Option<i64>,
    pub source: String,
    pub source_ref: Option<String>,
    pub updated_at: i64,
    pub updated_by: String,
    /// Whether it is run as a neighbourhood centre.
    #[sqlx(rename = "is_centre", try_from = "Flag")]
    pub centre: bool,
    /// Rises with every change (an edit or an import): what the edit form carries.
    pub version: i64,
}

/// A facility to add, update or import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityInput {
    pub district_code: String,
    pub region_code: String,
    pub community_code: Option<String>,
    pub name: String,
    pub functions: Vec<String>,
    pub lon_e6: i64,
    pub lat_e6: i64,
    pub hours: Option<String>,
    pub capacity: Option<i64>,
    pub source: String,
    pub source_ref: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCount {
    pub added: usize,
    pub updated: usize,
}

/// What came of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FacilityUpdate {
    Updated,
    NotFound,
    /// Changed by someone else since the form was read: the facility as it is now.
    Stale(Box<FacilityRow>),
}

/// Why a facility was not deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    NotFound,
    /// It is a neighbourhood centre: remove the centre first.
    IsCentre,
    /// It changed since the page was read (it is this now): nothing deleted.
    Stale(Box<FacilityRow>),
}

/// What marking a facility as a centre did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flagged {
    Done,
    NotFound,
    /// The facility changed since the page was read (it is this now): nothing written.
    Stale(Box<FacilityRow>),
}

const FACILITY_COLUMNS: &str = "f.id, f.district_code, f.region_code, f.community_code, f.name, \
     f.functions, f.lon_e6, f.lat_e6, f.hours, f.capacity, f.source, f.source_ref, f.updated_at, \
     f.updated_by, f.version, CASE WHEN c.facility_id IS NULL THEN 0 ELSE 1 END AS is_centre";

const FACILITY_FROM: &str = "facilities f LEFT JOIN centres c ON c.facility_id = f.id";

/// The `functions` column: keys joined by `;`.
#[derive(sqlx::Type)]
#[sqlx(transparent, no_pg_array)]
struct FunctionList(String);

impl From<FunctionList> for Vec<String> {
    fn from(list: FunctionList) -> Vec<String> {
        list.0
            .split(';')
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// The centre's columns after [`FACILITY_COLUMNS`], for [`CentreRow`].
const CENTRE_COLUMNS: &str =
    "c.community_code AS centre_community, c.service_area, c.flagged_by, c.flagged_at";

fn facility_json(id: &str, input: &FacilityInput) -> serde_json::Value {
    json!({
        "facility": id,
        "name": input.name,
        "functions": input.functions,
        "lon_e6": input.lon_e6,
        "lat_e6": input.lat_e6,
        "hours": input.hours,
        "capacity": input.capacity,
        "region": input.region_code,
        "community": input.community_code,
        "source": input.source,
        "source_ref": input.source_ref,
    })
}

fn row_json(row: &FacilityRow) -> serde_json::Value {
    json!({
        "facility": row.id,
        "name": row.name,
        "functions": row.functions,
        "lon_e6": row.lon_e6,
        "lat_e6": row.lat_e6,
        "hours": row.hours,
        "capacity": row.capacity,
        "region": row.region_code,
        "community": row.community_code,
        "source": row.source,
        "source_ref": row.source_ref,
    })
}

async fn insert_facility(
    conn: &mut AnyConnection,
    id: &str,
    input: &FacilityInput,
    actor: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO facilities (id, district_code, region_code, community_code, name, functions,
             lon_e6, lat_e6, hours, capacity, source, source_ref, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(id)
    .bind(&input.district_code)
    .bind(&input.region_code)
    .bind(input.community_code.as_deref())
    .bind(&input.name)
    .bind(input.functions.join(";"))
    .bind(input.lon_e6)
    .bind(input.lat_e6)
    .bind(input.hours.as_deref())
    .bind(input.capacity)
    .bind(&input.source)
    .bind(input.source_ref.as_deref())
    .bind(now)
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces a facility's fields and raises its version; with `expected_version`, only if the
/// version is still that one (the number of rows changed says whether it was).
async fn update_facility_row(
    conn: &mut AnyConnection,
    id: &str,
    input: &FacilityInput,
    by: (&str, i64),
    expected_version: Option<i64>,
) -> Result<u64> {
    let (actor, now) = by;
    let guard = if expected_version.is_some() {
        " AND version = $14"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE facilities SET region_code = $1, community_code = $2, name = $3, functions = $4,
             lon_e6 = $5, lat_e6 = $6, hours = $7, capacity = $8, source = $9, source_ref = $10,
             updated_at = $11, updated_by = $12, version = version + 1
         WHERE id = $13{guard}"
    );
    let mut update = sqlx::query(&sql)
        .bind(&input.region_code)
        .bind(input.community_code.as_deref())
        .bind(&input.name)
        .bind(input.functions.join(";"))
        .bind(input.lon_e6)
        .bind(input.lat_e6)
        .bind(input.hours.as_deref())
        .bind(input.capacity)
        .bind(&input.source)
        .bind(input.source_ref.as_deref())
        .bind(now)
        .bind(actor)
        .bind(id);
    if let Some(version) = expected_version {
        update = update.bind(version);
    }
    Ok(update.execute(&mut *conn).await?.rows_affected())
}

/// Raises a facility's version for a change beside its fields (the centre mark), only if it is
/// still `expected` when given: the update's own condition, so two pages cannot both pass it.
/// False when it moved on or is gone.
async fn claim_facility_version(
    conn: &mut AnyConnection,
    id: &str,
    expected: Option<i64>,
    (actor, now): (&str, i64),
) -> Result<bool> {
    let sql = if expected.is_some() {
        "UPDATE facilities SET version = version + 1, updated_at = $2, updated_by = $3
         WHERE id = $1 AND version = $4"
    } else {
        "UPDATE facilities SET version = version + 1, updated_at = $2, updated_by = $3
         WHERE id = $1"
    };
    let mut update = sqlx::query(sql).bind(id).bind(now).bind(actor);
    if let Some(version) = expected {
        update = update.bind(version);
    }
    Ok(update.execute(&mut *conn).await?.rows_affected() == 1)
}

async fn facility_in(conn: &mut AnyConnection, id: &str) -> Result<Option<FacilityRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {FACILITY_COLUMNS} FROM {FACILITY_FROM} WHERE f.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The last coverage run of a district.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CircleRun {
    pub district_code: String,
    pub computed_at: i64,
    pub computed_by: String,
    pub network: String,
    pub minutes: i64,
    pub speed_m_per_h: i64,
    /// `communities` or `extract`.
    pub scope: String,
    pub summary_json: String,
}

/// One area's share for one function (`all_six` for all six at once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CoverageRow {
    pub area_code: String,
    pub function: String,
    pub covered: i64,
    pub total: i64,
    /// Percent in hundredths, rounded down.
    pub share: i64,
    pub computed_at: i64,
}

/// One origin (home) of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OriginRow {
    pub seq: i64,
    pub origin_ref: String,
    pub lon_e6: i64,
    pub lat_e6: i64,
    pub community_code: Option<String>,
    /// Bit i: function i (display order) is within reach.
    pub covered_mask: i64,
    /// Metres to the nearest facility of each function, `;`-separated, empty when none.
    pub distances_m: String,
}

/// A facility run as a neighbourhood centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CentreRow {
    #[sqlx(flatten)]
    pub facility: FacilityRow,
    #[sqlx(rename = "centre_community")]
    pub community_code: String,
    pub service_area: String,
    pub flagged_by: String,
    pub flagged_at: i64,
}

/// Why a centre was not unflagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unflagged {
    Done,
    NotACentre,
    /// Ratings refer to it; they are kept, so the centre stays.
    HasRatings,
    /// The facility changed since the page was read (it is this now): nothing written.
    Stale(Box<FacilityRow>),
}

/// A centre's rating to record.
#[derive(Debug, Clone)]
pub struct NewRating<'a> {
    pub facility_id: &'a str,
    pub community_code: &'a str,
    pub year: i64,
    pub standard_id: &'a str,
    pub standard_version: &'a str,
    pub answers_json: &'a str,
    pub result_json: &'a str,
    /// Hundredths of a point.
    pub total: i64,
    pub star: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RatingRow {
    pub id: String,
    pub facility_id: String,
    pub community_code: String,
    pub year: i64,
    pub standard_id: String,
    pub standard_version: String,
    pub answers_json: String,
    pub result_json: String,
    pub total: i64,
    pub star: i64,
    pub rated_by: String,
    pub rated_at: i64,
}

const RATING_COLUMNS: &str = "id, facility_id, community_code, year, standard_id, standard_version, \
     answers_json, result_json, total, star, rated_by, rated_at";

const COVERAGE_COLUMNS: &str = "area_code, function, covered, total, share, computed_at";

/// Rows per multi-row INSERT of origins (8 parameters each, well under both databases' limits).
const ORIGIN_BATCH: usize = 250;

impl Store {
    /// Adds one facility with its audit row (`add_facility`); returns its new id.
    pub async fn add_facility(
        &self,
        input: &FacilityInput,
        actor: &str,
        now: i64,
    ) -> Result<String> {
        let id = new_id();
        let mut tx = self.write_tx().await?;
        insert_facility(&mut tx, &id, input, actor, now).await?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                community_code: input.community_code.as_deref(),
                action: "add_facility",
                after: Some(facility_json(&id, input).to_string()),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Replaces a facility's fields (its id and district stay) if it is still at
    /// `expected_version`, the version the edit form was read at; the check is the update's own
    /// condition, so two editors cannot both pass it. The audit row (`update_facility`) holds
    /// the fields before and after.
    pub async fn update_facility(
        &self,
        id: &str,
        expected_version: i64,
        input: &FacilityInput,
        actor: &str,
        now: i64,
    ) -> Result<FacilityUpdate> {
        let mut tx = self.write_tx().await?;
        let Some(before) = facility_in(&mut tx, id).await? else {
            return Ok(FacilityUpdate::NotFound);
        };
        let updated =
            update_facility_row(&mut tx, id, input, (actor, now), Some(expected_version)).await?;
        if updated != 1 {
            drop(tx);
            return Ok(match self.facility(id).await? {
                Some(now) => FacilityUpdate::Stale(Box::new(now)),
                None => FacilityUpdate::NotFound,
            });
        }
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                community_code: input
                    .community_code
                    .as_deref()
                    .or(before.community_code.as_deref()),
                action: "update_facility",
                before: Some(row_json(&before).to_string()),
                after: Some(facility_json(id, input).to_string()),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(FacilityUpdate::Updated)
    }

    /// Deletes a facility that is not a centre, with its audit row (`delete_facility`); with
    /// `expected_version` (the page's), only if it has not changed since.
    pub async fn delete_facility(
        &self,
        id: &str,
        expected_version: Option<i64>,
        actor: &str,
        now: i64,
    ) -> Result<Deleted> {
        let mut tx = self.write_tx().await?;
        let Some(before) = facility_in(&mut tx, id).await? else {
            return Ok(Deleted::NotFound);
        };
        if before.centre {
            return Ok(Deleted::IsCentre);
        }
        let deleted = if let Some(version) = expected_version {
            sqlx::query("DELETE FROM facilities WHERE id = $1 AND version = $2")
                .bind(id)
                .bind(version)
                .execute(&mut *tx)
                .await?
        } else {
            sqlx::query("DELETE FROM facilities WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
        };
        if deleted.rows_affected() != 1 {
            drop(tx);
            return Ok(match self.facility(id).await? {
                Some(now) => Deleted::Stale(Box::new(now)),
                None => Deleted::NotFound,
            });
        }
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                community_code: before.community_code.as_deref(),
                action: "delete_facility",
                before: Some(row_json(&before).to_string()),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Deleted::Deleted)
    }

    /// Imports facilities into a district in one transaction: a row whose `source_ref` is
    /// already registered in the district updates that facility, any other row is added. One
    /// audit row (`import_facilities`) records the source and the counts.
    pub async fn import_facilities(
        &self,
        district: &str,
        rows: &[FacilityInput],
        actor: &str,
        now: i64,
    ) -> Result<ImportCount> {
        let mut tx = self.write_tx().await?;
        let mut count = ImportCount::default();
        for input in rows {
            let existing: Option<String> =
                match &input.source_ref {
                    Some(source_ref) => sqlx::query_scalar(
                        "SELECT id FROM facilities WHERE district_code = $1 AND source_ref = $2",
                    )
                    .bind(district)
                    .bind(source_ref)
                    .fetch_optional(&mut *tx)
                    .await?,
                    None => None,
                };
            match existing {
                Some(id) => {
                    update_facility_row(&mut tx, &id, input, (actor, now), None).await?;
                    count.updated += 1;
                }
                None => {
                    insert_facility(&mut tx, &new_id(), input, actor, now).await?;
                    count.added += 1;
                }
            }
        }
        let sources: Vec<&str> = {
            let mut s: Vec<&str> = rows.iter().map(|r| r.source.as_str()).collect();
            s.sort_unstable();
            s.dedup();
            s
        };
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                action: "import_facilities",
                after: Some(
                    json!({
                        "district": district,
                        "sources": sources,
                        "added": count.added,
                        "updated": count.updated,
                    })
                    .to_string(),
                ),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(count)
    }

    pub async fn facility(&self, id: &str) -> Result<Option<FacilityRow>> {
        let mut conn = self.pool().acquire().await?;
        facility_in(&mut conn, id).await
    }

    /// Facilities kept by regions inside the subtree with this code prefix, by name.
    pub async fn facilities_within(&self, prefix: &str) -> Result<Vec<FacilityRow>> {
        let (low, high) = code_range(prefix);
        Ok(sqlx::query_as(&format!(
            "SELECT {FACILITY_COLUMNS} FROM {FACILITY_FROM}
             WHERE f.region_code BETWEEN $1 AND $2 ORDER BY f.name, f.id"
        ))
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?)
    }

    /// Every facility registered in a district, by id (the order coverage runs use).
    pub async fn facilities_of_district(&self, district: &str) -> Result<Vec<FacilityRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {FACILITY_COLUMNS} FROM {FACILITY_FROM} WHERE f.district_code = $1 ORDER BY f.id"
        ))
        .bind(district)
        .fetch_all(self.pool())
        .await?)
    }

    /// The district's `source_ref`s and the region keeping each, to check an import's
    /// permissions before it updates anything.
    pub async fn facility_refs(&self, district: &str) -> Result<HashMap<String, String>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT source_ref, region_code FROM facilities
             WHERE district_code = $1 AND source_ref IS NOT NULL",
        )
        .bind(district)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// Replaces communities' circle boundaries (GeoJSON geometries), with one audit row
    /// (`save_circle_boundaries`) naming them.
    pub async fn save_circle_boundaries(
        &self,
        boundaries: &[(String, String)],
        actor: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for (community, geometry) in boundaries {
            sqlx::query(
                "INSERT INTO circle_boundaries (community_code, geometry_json, updated_at, updated_by)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (community_code) DO UPDATE SET geometry_json = excluded.geometry_json,
                     updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
            .bind(community)
            .bind(geometry)
            .bind(now)
            .bind(actor)
            .execute(&mut *tx)
            .await?;
        }
        let codes: Vec<&str> = boundaries.iter().map(|(c, _)| c.as_str()).collect();
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                action: "save_circle_boundaries",
                after: Some(json!({ "communities": codes }).to_string()),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stored circle boundaries of communities inside the subtree with this prefix, by code.
    pub async fn circle_boundaries_within(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        let (low, high) = code_range(prefix);
        Ok(sqlx::query_as(
            "SELECT community_code, geometry_json FROM circle_boundaries
             WHERE community_code BETWEEN $1 AND $2 ORDER BY community_code",
        )
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?)
    }

    /// Replaces a district's coverage run, shares and origins in one transaction, with an audit
    /// row (`compute_circle`) holding the run's parameters and the district's all-six share.
    pub async fn save_circle_run(
        &self,
        run: &CircleRun,
        coverage: &[CoverageRow],
        origins: &[OriginRow],
    ) -> Result<()> {
        let district = run.district_code.as_str();
        let mut tx = self.write_tx().await?;
        for table in ["circle_origins", "circle_coverage"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE district_code = $1"))
                .bind(district)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO circle_runs (district_code, computed_at, computed_by, network, minutes,
                 speed_m_per_h, scope, summary_json)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (district_code) DO UPDATE SET computed_at = excluded.computed_at,
                 computed_by = excluded.computed_by, network = excluded.network,
                 minutes = excluded.minutes, speed_m_per_h = excluded.speed_m_per_h,
                 scope = excluded.scope, summary_json = excluded.summary_json",
        )
        .bind(district)
        .bind(run.computed_at)
        .bind(&run.computed_by)
        .bind(&run.network)
        .bind(run.minutes)
        .bind(run.speed_m_per_h)
        .bind(&run.scope)
        .bind(&run.summary_json)
        .execute(&mut *tx)
        .await?;
        for row in coverage {
            sqlx::query(
                "INSERT INTO circle_coverage (district_code, area_code, function, covered, total,
                     share, computed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(district)
            .bind(&row.area_code)
            .bind(&row.function)
            .bind(row.covered)
            .bind(row.total)
            .bind(row.share)
            .bind(run.computed_at)
            .execute(&mut *tx)
            .await?;
        }
        for batch in origins.chunks(ORIGIN_BATCH) {
            let sql = format!(
                "INSERT INTO circle_origins (district_code, seq, origin_ref, lon_e6, lat_e6,
                     community_code, covered_mask, distances_m) VALUES {}",
                placeholders(batch.len(), 8)
            );
            let mut query = sqlx::query(&sql);
            for origin in batch {
                query = query
                    .bind(district)
                    .bind(origin.seq)
                    .bind(&origin.origin_ref)
                    .bind(origin.lon_e6)
                    .bind(origin.lat_e6)
                    .bind(origin.community_code.as_deref())
                    .bind(origin.covered_mask)
                    .bind(&origin.distances_m);
            }
            query.execute(&mut *tx).await?;
        }
        let all_six = coverage
            .iter()
            .find(|r| r.area_code == district && r.function == "all_six")
            .map(|r| r.share);
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: run.computed_at,
                actor: &run.computed_by,
                action: "compute_circle",
                after: Some(
                    json!({
                        "district": district,
                        "network": run.network,
                        "minutes": run.minutes,
                        "speed_m_per_h": run.speed_m_per_h,
                        "scope": run.scope,
                        "origins": origins.len(),
                        "areas": coverage.iter().map(|r| r.area_code.as_str()).collect::<std::collections::BTreeSet<_>>(),
                        "all_six_share_hundredths": all_six,
                    })
                    .to_string(),
                ),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn circle_run(&self, district: &str) -> Result<Option<CircleRun>> {
        Ok(sqlx::query_as(
            "SELECT district_code, computed_at, computed_by, network, minutes, speed_m_per_h,
                 scope, summary_json
             FROM circle_runs WHERE district_code = $1",
        )
        .bind(district)
        .fetch_optional(self.pool())
        .await?)
    }

    /// A district's stored shares, by area then function.
    pub async fn circle_coverage_of_district(&self, district: &str) -> Result<Vec<CoverageRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COVERAGE_COLUMNS} FROM circle_coverage WHERE district_code = $1
             ORDER BY area_code, function"
        ))
        .bind(district)
        .fetch_all(self.pool())
        .await?)
    }

    /// One area's stored shares (a community, or a district's overall row), by function.
    pub async fn circle_coverage_of_area(&self, area: &str) -> Result<Vec<CoverageRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COVERAGE_COLUMNS} FROM circle_coverage WHERE area_code = $1 ORDER BY function"
        ))
        .bind(area)
        .fetch_all(self.pool())
        .await?)
    }

    /// A run's origins in order; only one community's when given.
    pub async fn circle_origins(
        &self,
        district: &str,
        community: Option<&str>,
    ) -> Result<Vec<OriginRow>> {
        let columns = "seq, origin_ref, lon_e6, lat_e6, community_code, covered_mask, distances_m";
        let sql = match community {
            Some(_) => format!(
                "SELECT {columns} FROM circle_origins
                 WHERE district_code = $1 AND community_code = $2 ORDER BY seq"
            ),
            None => format!(
                "SELECT {columns} FROM circle_origins WHERE district_code = $1 ORDER BY seq"
            ),
        };
        let mut q = sqlx::query_as(&sql).bind(district);
        if let Some(code) = community {
            q = q.bind(code);
        }
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// Marks a facility as a neighbourhood centre serving a community (or changes what it
    /// serves), with its audit row (`flag_centre`), raising the facility's version; with
    /// `expected_version` (the page's), only if it has not changed since.
    pub async fn flag_centre(
        &self,
        facility_id: &str,
        expected_version: Option<i64>,
        community: &str,
        service_area: &str,
        actor: &str,
        now: i64,
    ) -> Result<Flagged> {
        let mut tx = self.write_tx().await?;
        if !claim_facility_version(&mut tx, facility_id, expected_version, (actor, now)).await? {
            drop(tx);
            return Ok(match self.facility(facility_id).await? {
                Some(now) => Flagged::Stale(Box::new(now)),
                None => Flagged::NotFound,
            });
        }
        sqlx::query(
            "INSERT INTO centres (facility_id, community_code, service_area, flagged_by, flagged_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (facility_id) DO UPDATE SET community_code = excluded.community_code,
                 service_area = excluded.service_area, flagged_by = excluded.flagged_by,
                 flagged_at = excluded.flagged_at",
        )
        .bind(facility_id)
        .bind(community)
        .bind(service_area)
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                community_code: Some(community),
                action: "flag_centre",
                after: Some(
                    json!({ "facility": facility_id, "service_area": service_area }).to_string(),
                ),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Flagged::Done)
    }

    /// Stops running a facility as a centre, unless ratings refer to it; with
    /// `expected_version` (the page's), only if the facility has not changed since.
    pub async fn unflag_centre(
        &self,
        facility_id: &str,
        expected_version: Option<i64>,
        actor: &str,
        now: i64,
    ) -> Result<Unflagged> {
        let mut tx = self.write_tx().await?;
        let Some(community): Option<String> =
            sqlx::query_scalar("SELECT community_code FROM centres WHERE facility_id = $1")
                .bind(facility_id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(Unflagged::NotACentre);
        };
        let rated =
            sqlx::query("SELECT 1 AS one FROM centre_ratings WHERE facility_id = $1 LIMIT 1")
                .bind(facility_id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
        if rated {
            return Ok(Unflagged::HasRatings);
        }
        if !claim_facility_version(&mut tx, facility_id, expected_version, (actor, now)).await? {
            drop(tx);
            return Ok(match self.facility(facility_id).await? {
                Some(now) => Unflagged::Stale(Box::new(now)),
                None => Unflagged::NotACentre,
            });
        }
        sqlx::query("DELETE FROM centres WHERE facility_id = $1")
            .bind(facility_id)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                community_code: Some(&community),
                action: "unflag_centre",
                before: Some(json!({ "facility": facility_id }).to_string()),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Unflagged::Done)
    }

    pub async fn centre(&self, facility_id: &str) -> Result<Option<CentreRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {FACILITY_COLUMNS}, {CENTRE_COLUMNS}
             FROM facilities f JOIN centres c ON c.facility_id = f.id WHERE f.id = $1"
        ))
        .bind(facility_id)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Centres serving communities inside the subtree with this prefix, by community, name.
    pub async fn centres_within(&self, prefix: &str) -> Result<Vec<CentreRow>> {
        let (low, high) = code_range(prefix);
        Ok(sqlx::query_as(&format!(
            "SELECT {FACILITY_COLUMNS}, {CENTRE_COLUMNS}
             FROM facilities f JOIN centres c ON c.facility_id = f.id
             WHERE c.community_code BETWEEN $1 AND $2 ORDER BY c.community_code, f.name, f.id"
        ))
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?)
    }

    /// Records a centre's rating with its audit row (`rate_centre`: year, standard, total,
    /// star) in one transaction.
    pub async fn save_centre_rating(
        &self,
        new: &NewRating<'_>,
        actor: &str,
        now: i64,
    ) -> Result<RatingRow> {
        let id = new_id();
        let mut tx = self.write_tx().await?;
        sqlx::query(&format!(
            "INSERT INTO centre_ratings ({RATING_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        ))
        .bind(&id)
        .bind(new.facility_id)
        .bind(new.community_code)
        .bind(new.year)
        .bind(new.standard_id)
        .bind(new.standard_version)
        .bind(new.answers_json)
        .bind(new.result_json)
        .bind(new.total)
        .bind(new.star)
        .bind(actor)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                community_code: Some(new.community_code),
                action: "rate_centre",
                after: Some(
                    json!({
                        "rating": id,
                        "facility": new.facility_id,
                        "year": new.year,
                        "standard": new.standard_id,
                        "version": new.standard_version,
                        "total_hundredths": new.total,
                        "star": new.star,
                    })
                    .to_string(),
                ),
                ..AuditEvent::default()
            },
        )
        .await?;
        tx.commit().await?;
        Ok(RatingRow {
            id,
            facility_id: new.facility_id.to_string(),
            community_code: new.community_code.to_string(),
            year: new.year,
            standard_id: new.standard_id.to_string(),
            standard_version: new.standard_version.to_string(),
            answers_json: new.answers_json.to_string(),
            result_json: new.result_json.to_string(),
            total: new.total,
            star: new.star,
            rated_by: actor.to_string(),
            rated_at: now,
        })
    }

    /// A centre's ratings, newest first.
    pub async fn centre_ratings(&self, facility_id: &str) -> Result<Vec<RatingRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {RATING_COLUMNS} FROM centre_ratings WHERE facility_id = $1
             ORDER BY rated_at DESC, id"
        ))
        .bind(facility_id)
        .fetch_all(self.pool())
        .await?)
    }
}
