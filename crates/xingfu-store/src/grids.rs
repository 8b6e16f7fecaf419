//! Grids (网格) inside a community: their areas (a GeoJSON MultiPolygon in WGS-84), members
//! (网格员) and buildings with their 楼栋长. The core's [`Grid`] goes in and comes out; the
//! shape is checked again when read, so a row edited around the application cannot route
//! events into a broken polygon unnoticed.
//!
//! Saving grids replaces each saved grid whole (area, name, members, buildings) and leaves the
//! community's other grids as they are; it is one transaction with its audit row.

use serde_json::json;
use sqlx::AnyConnection;
use xingfu_core::ops::coords::{Datum, GeoPoint};
use xingfu_core::ops::grid::{Area, BBox, Building, Duty, Geometry, Grid, GridMember};

use crate::audit::{AuditEvent, append};
use crate::{Result, Store, StoreError, code_range};

/// Degrees as whole microdegrees, rounded down (`floor`) or up, so a stored box always holds
/// the true one.
fn micro(degrees: f64, up: bool) -> i64 {
    let scaled = degrees * 1e6;
    (if up { scaled.ceil() } else { scaled.floor() }) as i64
}

fn duty_key(duty: Duty) -> &'static str {
    match duty {
        Duty::FullTime => "full_time",
        Duty::PartTime => "part_time",
    }
}

fn parse_duty(text: &str) -> Result<Duty> {
    match text {
        "full_time" => Ok(Duty::FullTime),
        "part_time" => Ok(Duty::PartTime),
        other => Err(corrupt(format!("unknown grid member duty {other:?}"))),
    }
}

/// A stored value the application cannot read back: reported as a decoding error.
pub(crate) fn corrupt(message: String) -> StoreError {
    StoreError::Database(sqlx::Error::Decode(message.into()))
}

pub(crate) fn parse_degrees(text: &str, what: &str) -> Result<f64> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| corrupt(format!("{what} {text:?} is not a number")))
}

/// Where a grid member serves, or a building head looks after a building.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub community_code: String,
    pub grid_id: String,
    /// The building, for a 楼栋长; `None` for a grid member.
    pub building_id: Option<String>,
    pub duty: Option<Duty>,
}

/// An account that can be given work (dispatched to): user name, display name, role and the
/// region the role covers.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Person {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_code: String,
}

async fn write_grid(conn: &mut AnyConnection, grid: &Grid, actor: &str, now: i64) -> Result<()> {
    for table in ["grid_members", "buildings"] {
        sqlx::query(&format!(
            "DELETE FROM {table} WHERE community_code = $1 AND grid_id = $2"
        ))
        .bind(&grid.community)
        .bind(&grid.id)
        .execute(&mut *conn)
        .await?;
    }
    let geometry = serde_json::to_string(&grid.area.to_geojson(Datum::Wgs84))
        .map_err(|e| corrupt(format!("grid {}: {e}", grid.id)))?;
    let BBox {
        min_lon,
        min_lat,
        max_lon,
        max_lat,
    } = grid.area.bbox();
    sqlx::query(
        "INSERT INTO grids (community_code, id, name, area_geojson, min_lon_e6, min_lat_e6,
             max_lon_e6, max_lat_e6, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (community_code, id) DO UPDATE SET name = excluded.name,
             area_geojson = excluded.area_geojson, min_lon_e6 = excluded.min_lon_e6,
             min_lat_e6 = excluded.min_lat_e6, max_lon_e6 = excluded.max_lon_e6,
             max_lat_e6 = excluded.max_lat_e6, updated_at = excluded.updated_at,
             updated_by = excluded.updated_by",
    )
    .bind(&grid.community)
    .bind(&grid.id)
    .bind(&grid.name)
    .bind(&geometry)
    .bind(micro(min_lon, false))
    .bind(micro(min_lat, false))
    .bind(micro(max_lon, true))
    .bind(micro(max_lat, true))
    .bind(now)
    .bind(actor)
    .execute(&mut *conn)
    .await?;
    for member in &grid.members {
        sqlx::query(
            "INSERT INTO grid_members (community_code, grid_id, username, duty) VALUES ($1, $2, $3, $4)",
        )
        .bind(&grid.community)
        .bind(&grid.id)
        .bind(&member.person)
        .bind(duty_key(member.duty))
        .execute(&mut *conn)
        .await?;
    }
    for building in &grid.buildings {
        sqlx::query(
            "INSERT INTO buildings (community_code, grid_id, id, name, lon, lat, head)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&grid.community)
        .bind(&grid.id)
        .bind(&building.id)
        .bind(&building.name)
        .bind(building.location.map(|p| p.lon.to_string()))
        .bind(building.location.map(|p| p.lat.to_string()))
        .bind(&building.head)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A row of [`GRID_COLUMNS`].
#[derive(sqlx::FromRow)]
struct GridRow {
    community_code: String,
    id: String,
    name: String,
    area_geojson: String,
}

impl GridRow {
    /// The grid without members and buildings; its area checked again.
    fn grid(self) -> Result<Grid> {
        let id = self.id;
        let geometry: Geometry = serde_json::from_str(&self.area_geojson)
            .map_err(|e| corrupt(format!("grid {id}: stored area is not GeoJSON: {e}")))?;
        let area = Area::from_geojson(&geometry, Datum::Wgs84)
            .map_err(|e| corrupt(format!("grid {id}: stored area: {e}")))?;
        Ok(Grid {
            community: self.community_code,
            name: self.name,
            id,
            area,
            members: Vec::new(),
            buildings: Vec::new(),
        })
    }
}

const GRID_COLUMNS: &str = "community_code, id, name, area_geojson";

/// A building row, its grid beside it.
#[derive(sqlx::FromRow)]
struct BuildingRow {
    grid_id: String,
    id: String,
    name: String,
    lon: Option<String>,
    lat: Option<String>,
    head: Option<String>,
}

impl Store {
    /// Saves grids of one community (each replaced whole), with one audit row naming them.
    pub async fn save_grids(
        &self,
        community: &str,
        grids: &[Grid],
        actor: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for grid in grids {
            write_grid(&mut tx, grid, actor, now).await?;
        }
        let summary: Vec<_> = grids
            .iter()
            .map(|g| {
                json!({
                    "grid": g.id,
                    "name": g.name,
                    "members": g.members.iter().map(|m| &m.person).collect::<Vec<_>>(),
                    "buildings": g.buildings.len(),
                })
            })
            .collect();
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                at: now,
                actor,
                round_id: None,
                community_code: Some(community),
                action: "save_grids",
                before: None,
                after: Some(serde_json::Value::Array(summary).to_string()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The grids of `rows`, with their members and buildings.
    async fn complete_grids(&self, rows: Vec<GridRow>) -> Result<Vec<Grid>> {
        let mut grids = rows
            .into_iter()
            .map(GridRow::grid)
            .collect::<Result<Vec<_>>>()?;
        // Grids are read one community at a time, or a handful around one point.
        let communities: std::collections::BTreeSet<String> =
            grids.iter().map(|g| g.community.clone()).collect();
        for community in communities {
            let members: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT grid_id, username, duty FROM grid_members WHERE community_code = $1
                 ORDER BY grid_id, duty, username",
            )
            .bind(&community)
            .fetch_all(self.pool())
            .await?;
            for (grid_id, person, duty) in members {
                if let Some(grid) = grids
                    .iter_mut()
                    .find(|g| g.community == community && g.id == grid_id)
                {
                    grid.members.push(GridMember {
                        person,
                        duty: parse_duty(&duty)?,
                    });
                }
            }
            let buildings: Vec<BuildingRow> = sqlx::query_as(
                "SELECT grid_id, id, name, lon, lat, head FROM buildings WHERE community_code = $1
                 ORDER BY grid_id, id",
            )
            .bind(&community)
            .fetch_all(self.pool())
            .await?;
            for row in buildings {
                let Some(grid) = grids
                    .iter_mut()
                    .find(|g| g.community == community && g.id == row.grid_id)
                else {
                    continue;
                };
                let location = match (row.lon, row.lat) {
                    (Some(lon), Some(lat)) => Some(GeoPoint {
                        lon: parse_degrees(&lon, "building longitude")?,
                        lat: parse_degrees(&lat, "building latitude")?,
                    }),
                    _ => None,
                };
                grid.buildings.push(Building {
                    id: row.id,
                    name: row.name,
                    location,
                    head: row.head,
                });
            }
        }
        Ok(grids)
    }

    /// A community's grids with members and buildings, by id.
    pub async fn grids_of(&self, community: &str) -> Result<Vec<Grid>> {
        let rows: Vec<GridRow> = sqlx::query_as(&format!(
            "SELECT {GRID_COLUMNS} FROM grids WHERE community_code = $1 ORDER BY id"
        ))
        .bind(community)
        .fetch_all(self.pool())
        .await?;
        self.complete_grids(rows).await
    }

    /// Grids anywhere whose bounding box holds `point` (WGS-84), with members and buildings;
    /// the caller decides which one actually contains it.
    pub async fn grids_around(&self, point: GeoPoint) -> Result<Vec<Grid>> {
        let rows: Vec<GridRow> = sqlx::query_as(&format!(
            "SELECT {GRID_COLUMNS} FROM grids
             WHERE min_lon_e6 <= $1 AND max_lon_e6 >= $2 AND min_lat_e6 <= $3 AND max_lat_e6 >= $4
             ORDER BY community_code, id"
        ))
        .bind(micro(point.lon, true))
        .bind(micro(point.lon, false))
        .bind(micro(point.lat, true))
        .bind(micro(point.lat, false))
        .fetch_all(self.pool())
        .await?;
        self.complete_grids(rows).await
    }

    /// The grids `username` serves and the buildings they head.
    pub async fn assignments(&self, username: &str) -> Result<Vec<Assignment>> {
        let mut out = Vec::new();
        let grids: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT community_code, grid_id, duty FROM grid_members WHERE username = $1
             ORDER BY community_code, grid_id",
        )
        .bind(username)
        .fetch_all(self.pool())
        .await?;
        for (community_code, grid_id, duty) in grids {
            out.push(Assignment {
                community_code,
                grid_id,
                building_id: None,
                duty: Some(parse_duty(&duty)?),
            });
        }
        let buildings: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT community_code, grid_id, id FROM buildings WHERE head = $1
             ORDER BY community_code, grid_id, id",
        )
        .bind(username)
        .fetch_all(self.pool())
        .await?;
        for (community_code, grid_id, building) in buildings {
            out.push(Assignment {
                community_code,
                grid_id,
                building_id: Some(building),
                duty: None,
            });
        }
        Ok(out)
    }

    /// Enabled accounts whose region lies inside the subtree with `prefix` (division-code
    /// digits), with one of `roles`, by user name.
    pub async fn people_within(&self, prefix: &str, roles: &[&str]) -> Result<Vec<Person>> {
        let (low, high) = code_range(prefix);
        let people: Vec<Person> = sqlx::query_as(
            "SELECT username, display_name, role, region_code FROM users
             WHERE disabled = 0 AND region_code BETWEEN $1 AND $2 ORDER BY username",
        )
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?;
        Ok(people
            .into_iter()
            .filter(|p| roles.contains(&p.role.as_str()))
            .collect())
    }
}
