//! Service facilities (服务设施), the 15-minute circle's stored results, community boundaries
//! drawn for it, and neighbourhood centres (邻里中心) with their star ratings.
//!
//! Positions are WGS-84 whole micro-degrees ([`to_e6`]); function lists are the stable keys of
//! `xingfu_geo::ServiceFunction` joined by `;`. Coverage is stored per district as one run
//! (parameters, shares per area and function, every origin's result), replaced whole by the
//! next run in one transaction, so pages and metric clauses read figures that belong together.
//! Every change to facilities, boundaries, centres and ratings writes an audit row in the same
//! transaction.
//!
//! This module keeps the facilities themselves; the circle's boundaries and coverage runs are in
//! `circle`, centres and their ratings in `centres`.

mod centres;
mod circle;

pub use centres::{CentreRow, NewRating, RatingRow, Unflagged};
pub use circle::{CircleRun, CoverageRow, OriginRow};

use std::collections::HashMap;

use serde::Serialize;
use serde_json::json;
use sqlx::AnyConnection;

use crate::audit::{AuditEvent, append};
use crate::sql::Flag;
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
        self.rows_where(&format!(
            "SELECT {FACILITY_COLUMNS} FROM {FACILITY_FROM} WHERE f.district_code = $1 ORDER BY f.id"
        ), district).await
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
}
