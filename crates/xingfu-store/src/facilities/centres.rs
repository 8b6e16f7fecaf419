//! Neighbourhood centres (邻里中心): which facilities are run as one, and their star ratings.

use serde::Serialize;
use serde_json::json;

use crate::audit::{AuditEvent, append};
use crate::{Result, Store, code_range, new_id};

use super::{FACILITY_COLUMNS, FacilityRow, Flagged, claim_facility_version};

/// The centre's columns after [`FACILITY_COLUMNS`], for [`CentreRow`].
const CENTRE_COLUMNS: &str =
    "c.community_code AS centre_community, c.service_area, c.flagged_by, c.flagged_at";

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

impl Store {
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
        self.row_where(
            &format!(
                "SELECT {FACILITY_COLUMNS}, {CENTRE_COLUMNS}
                 FROM facilities f JOIN centres c ON c.facility_id = f.id WHERE f.id = $1"
            ),
            facility_id,
        )
        .await
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
        self.rows_where(
            &format!(
                "SELECT {RATING_COLUMNS} FROM centre_ratings WHERE facility_id = $1
                 ORDER BY rated_at DESC, id"
            ),
            facility_id,
        )
        .await
    }
}
