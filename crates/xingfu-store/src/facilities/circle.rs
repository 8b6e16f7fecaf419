//! The 15-minute circle: community boundaries drawn for it and each district's coverage run.

use serde::Serialize;
use serde_json::json;

use crate::audit::{AuditEvent, append};
use crate::sql::placeholders;
use crate::{Result, Store, code_range};

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

const COVERAGE_COLUMNS: &str = "area_code, function, covered, total, share, computed_at";

/// Rows per multi-row INSERT of origins (8 parameters each, well under both databases' limits).
const ORIGIN_BATCH: usize = 250;

impl Store {
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
        self.rows_where(
            &format!(
                "SELECT {COVERAGE_COLUMNS} FROM circle_coverage WHERE district_code = $1
                 ORDER BY area_code, function"
            ),
            district,
        )
        .await
    }

    /// One area's stored shares (a community, or a district's overall row), by function.
    pub async fn circle_coverage_of_area(&self, area: &str) -> Result<Vec<CoverageRow>> {
        self.rows_where(&format!(
            "SELECT {COVERAGE_COLUMNS} FROM circle_coverage WHERE area_code = $1 ORDER BY function"
        ), area).await
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
}
