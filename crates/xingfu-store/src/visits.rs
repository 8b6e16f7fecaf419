//! Home visits (入户走访): grid-member and building-head assignments, households, the
//! special-attention lists, visits with their follow-ups, and the access log that records every
//! view of a list or of a household's record.
//!
//! Who may see what is decided by the core (`xingfu_core::ops::visits`) and checked by the
//! server before it calls here; this module stores and fetches. Changes to assignments and to
//! the lists are audited; the access log is its own table, so reads never queue on the audit
//! chain. Nothing here deletes: a person leaves a list by a removal mark, and the access log
//! has no update or delete.

use serde::Serialize;
use serde_json::json;

use crate::audit::{AuditEvent, append};
use crate::rounds::By;
use crate::{Result, Store, code_range, new_id, or_duplicate};

/// An operations role held on top of an account, inside one community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AssignmentRow {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    /// `grid_member` or `building_head`.
    pub kind: String,
    pub community_code: String,
    /// The grid id (grid member) or building id (building head).
    pub scope: String,
    pub assigned_by: String,
    pub assigned_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct HouseholdRow {
    pub id: String,
    pub community_code: String,
    pub grid_id: Option<String>,
    pub building: Option<String>,
    pub address: String,
    pub contact_name: Option<String>,
    pub phone: Option<String>,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewHousehold<'a> {
    pub community_code: &'a str,
    pub grid_id: Option<&'a str>,
    pub building: Option<&'a str>,
    pub address: &'a str,
    pub contact_name: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// A person on a list, with where their household is (which decides who sees them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AttentionRow {
    pub id: String,
    pub household_id: String,
    pub community_code: String,
    pub grid_id: Option<String>,
    pub building: Option<String>,
    pub address: String,
    pub person: String,
    /// A key of `xingfu_core::ops::visits::AttentionCategory`.
    pub category: String,
    pub note: Option<String>,
    pub added_by: String,
    pub added_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FollowUpRow {
    pub seq: i64,
    pub what: String,
    pub due: Option<i64>,
    pub done_at: Option<i64>,
    pub done_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct VisitRow {
    pub id: String,
    pub household_id: String,
    pub community_code: String,
    pub grid_id: Option<String>,
    pub visitor_id: String,
    /// The visitor's display name, when the account still exists.
    #[sqlx(rename = "display_name")]
    pub visitor_name: Option<String>,
    pub visited_at: i64,
    /// The serde key of `xingfu_core::ops::visits::VisitPurpose`.
    pub purpose: String,
    pub notes: String,
    pub recorded_at: i64,
    #[sqlx(skip)]
    pub follow_ups: Vec<FollowUpRow>,
}

#[derive(Debug, Clone)]
pub struct NewFollowUp<'a> {
    pub what: &'a str,
    pub due: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewVisit<'a> {
    pub household_id: &'a str,
    pub visitor_id: &'a str,
    pub visited_at: i64,
    pub purpose: &'a str,
    pub notes: &'a str,
    pub follow_ups: Vec<NewFollowUp<'a>>,
}

/// A follow-up not done yet, with its visit's household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct OpenFollowUp {
    pub visit_id: String,
    pub seq: i64,
    pub what: String,
    pub due: Option<i64>,
    pub household_id: String,
    pub address: String,
    pub community_code: String,
    pub grid_id: Option<String>,
    pub visited_at: i64,
}

/// A follow-up due by some time and not done, with its household (to decide who may see it)
/// and the community's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct DueFollowUp {
    pub visit_id: String,
    pub seq: i64,
    pub what: String,
    pub due: i64,
    #[sqlx(flatten)]
    pub household: HouseholdRow,
    pub community_name: String,
}

/// One read of personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AccessRow {
    pub id: String,
    pub at: i64,
    pub actor_id: String,
    pub actor_name: String,
    pub actor_role: String,
    pub community_code: String,
    /// `attention_counts`, `attention_list`, `household` or `household_list`.
    pub subject: String,
    pub target: String,
    pub shown: i64,
}

#[derive(Debug, Clone)]
pub struct NewAccess<'a> {
    pub at: i64,
    pub actor_id: &'a str,
    pub actor_name: &'a str,
    pub actor_role: &'a str,
    pub community_code: &'a str,
    pub subject: &'a str,
    pub target: &'a str,
    pub shown: i64,
}

/// Which access-log rows to read: inside the subtree with `prefix`, optionally one community,
/// one viewer, one subject; newest first, older than `before` when paging.
#[derive(Debug, Clone, Default)]
pub struct AccessFilter<'a> {
    pub prefix: &'a str,
    pub community_code: Option<&'a str>,
    pub actor_name: Option<&'a str>,
    pub subject: Option<&'a str>,
    /// Rows strictly older than (at, id).
    pub before: Option<(i64, &'a str)>,
    pub limit: i64,
}

const HOUSEHOLD_COLUMNS: &str =
    "id, community_code, grid_id, building, address, contact_name, phone, created_by, created_at";

const ATTENTION_SELECT: &str =
    "SELECT a.id, a.household_id, a.community_code, h.grid_id, h.building, h.address,
        a.person, a.category, a.note, a.added_by, a.added_at
     FROM attention_entries a JOIN households h ON h.id = a.household_id";

const ASSIGNMENT_SELECT: &str =
    "SELECT p.user_id, u.username, u.display_name, p.kind, p.community_code, p.scope,
        p.assigned_by, p.assigned_at
     FROM people_assignments p JOIN users u ON u.id = p.user_id";

/// A follow-up with the visit it belongs to.
#[derive(sqlx::FromRow)]
struct VisitFollowUp {
    visit_id: String,
    #[sqlx(flatten)]
    follow_up: FollowUpRow,
}

impl Store {
    /// Gives an account a grid or a building in a community, audited. Assigning the same
    /// thing twice is refused as a duplicate.
    pub async fn assign(
        &self,
        user_id: &str,
        kind: &str,
        community: &str,
        scope: &str,
        by: By<'_>,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        let inserted = sqlx::query(
            "INSERT INTO people_assignments (user_id, kind, community_code, scope, assigned_by, assigned_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(user_id)
        .bind(kind)
        .bind(community)
        .bind(scope)
        .bind(by.actor)
        .bind(by.at)
        .execute(&mut *tx)
        .await;
        or_duplicate(inserted, "assignment", format!("{kind} {scope}"))?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                community_code: Some(community),
                after: Some(json!({"user": user_id, "kind": kind, "scope": scope}).to_string()),
                ..by.event("assign")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends an assignment, audited; false when there was none.
    pub async fn unassign(
        &self,
        user_id: &str,
        kind: &str,
        community: &str,
        scope: &str,
        by: By<'_>,
    ) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let removed = sqlx::query(
            "DELETE FROM people_assignments
             WHERE user_id = $1 AND kind = $2 AND community_code = $3 AND scope = $4",
        )
        .bind(user_id)
        .bind(kind)
        .bind(community)
        .bind(scope)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if removed == 0 {
            return Ok(false);
        }
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                community_code: Some(community),
                before: Some(json!({"user": user_id, "kind": kind, "scope": scope}).to_string()),
                ..by.event("unassign")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// An account's assignments.
    pub async fn assignments_of(&self, user_id: &str) -> Result<Vec<AssignmentRow>> {
        self.rows_where(&format!(
            "{ASSIGNMENT_SELECT} WHERE p.user_id = $1 ORDER BY p.kind, p.community_code, p.scope"
        ), user_id).await
    }

    /// Every assignment in a community.
    pub async fn assignments_in(&self, community: &str) -> Result<Vec<AssignmentRow>> {
        self.rows_where(&format!(
            "{ASSIGNMENT_SELECT} WHERE p.community_code = $1 ORDER BY p.kind, p.scope, u.username"
        ), community).await
    }

    pub async fn create_household(
        &self,
        new: &NewHousehold<'_>,
        by: By<'_>,
    ) -> Result<HouseholdRow> {
        let id = new_id();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO households (id, community_code, grid_id, building, address, contact_name, phone, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(new.community_code)
        .bind(new.grid_id)
        .bind(new.building)
        .bind(new.address)
        .bind(new.contact_name)
        .bind(new.phone)
        .bind(by.actor)
        .bind(by.at)
        .execute(&mut *tx)
        .await?;
        // The audit row names the household, not the people in it.
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                community_code: Some(new.community_code),
                after: Some(json!({"household": id, "grid": new.grid_id}).to_string()),
                ..by.event("household_add")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(HouseholdRow {
            id,
            community_code: new.community_code.to_string(),
            grid_id: new.grid_id.map(str::to_string),
            building: new.building.map(str::to_string),
            address: new.address.to_string(),
            contact_name: new.contact_name.map(str::to_string),
            phone: new.phone.map(str::to_string),
            created_by: by.actor.to_string(),
            created_at: by.at,
        })
    }

    pub async fn household(&self, id: &str) -> Result<Option<HouseholdRow>> {
        self.row_where(
            &format!("SELECT {HOUSEHOLD_COLUMNS} FROM households WHERE id = $1"),
            id,
        )
        .await
    }

    /// Households in the subtree with `prefix`, by community and address.
    /// The community's household register: the door number (address) of every household
    /// recorded for home visits; empty when the community keeps none here. The survey refuses
    /// household codes outside it.
    pub async fn household_register(&self, community: &str) -> Result<Vec<String>> {
        Ok(
            sqlx::query_scalar("SELECT address FROM households WHERE community_code = $1")
                .bind(community)
                .fetch_all(self.pool())
                .await?,
        )
    }

    pub async fn households_within(&self, prefix: &str) -> Result<Vec<HouseholdRow>> {
        let (low, high) = code_range(prefix);
        Ok(sqlx::query_as(&format!(
            "SELECT {HOUSEHOLD_COLUMNS} FROM households WHERE community_code BETWEEN $1 AND $2
             ORDER BY community_code, address, id"
        ))
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?)
    }

    /// Puts a person on a list, audited (the audit row names the entry and list, not the
    /// person).
    pub async fn add_attention(
        &self,
        household: &HouseholdRow,
        person: &str,
        category: &str,
        note: Option<&str>,
        by: By<'_>,
    ) -> Result<String> {
        let id = new_id();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO attention_entries (id, household_id, community_code, person, category, note, added_by, added_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(&household.id)
        .bind(&household.community_code)
        .bind(person)
        .bind(category)
        .bind(note)
        .bind(by.actor)
        .bind(by.at)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                community_code: Some(&household.community_code),
                after: Some(
                    json!({"entry": id, "household": household.id, "category": category})
                        .to_string(),
                ),
                ..by.event("attention_add")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Takes a person off a list (the row stays, marked removed), audited; false when the entry
    /// is not on a list.
    pub async fn remove_attention(&self, entry_id: &str, by: By<'_>) -> Result<bool> {
        let mut tx = self.write_tx().await?;
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT community_code, household_id, category FROM attention_entries
             WHERE id = $1 AND removed_at IS NULL",
        )
        .bind(entry_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((community, household, category)) = row else {
            return Ok(false);
        };
        sqlx::query(
            "UPDATE attention_entries SET removed_at = $1, removed_by = $2
             WHERE id = $3 AND removed_at IS NULL",
        )
        .bind(by.at)
        .bind(by.actor)
        .bind(entry_id)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self.audit_chain(),
            &AuditEvent {
                community_code: Some(&community),
                before: Some(
                    json!({"entry": entry_id, "household": household, "category": category})
                        .to_string(),
                ),
                ..by.event("attention_remove")
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Current list entries in the subtree with `prefix` (a community's code for one community).
    pub async fn attention_within(&self, prefix: &str) -> Result<Vec<AttentionRow>> {
        let (low, high) = code_range(prefix);
        Ok(sqlx::query_as(&format!(
            "{ATTENTION_SELECT} WHERE a.community_code BETWEEN $1 AND $2 AND a.removed_at IS NULL
             ORDER BY a.community_code, a.category, h.address, a.id"
        ))
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?)
    }

    /// A household's current list entries.
    pub async fn attention_of(&self, household_id: &str) -> Result<Vec<AttentionRow>> {
        self.rows_where(
            &format!(
                "{ATTENTION_SELECT} WHERE a.household_id = $1 AND a.removed_at IS NULL
                 ORDER BY a.category, a.added_at, a.id"
            ),
            household_id,
        )
        .await
    }

    pub async fn attention_entry(&self, entry_id: &str) -> Result<Option<AttentionRow>> {
        self.row_where(
            &format!("{ATTENTION_SELECT} WHERE a.id = $1 AND a.removed_at IS NULL"),
            entry_id,
        )
        .await
    }

    /// Stores a visit and its follow-ups in one transaction. The household's community and grid
    /// are copied onto the visit, so a household moved to another grid keeps its history.
    pub async fn record_visit(&self, new: &NewVisit<'_>, recorded_at: i64) -> Result<VisitRow> {
        let mut tx = self.write_tx().await?;
        let (community, grid): (String, Option<String>) =
            sqlx::query_as("SELECT community_code, grid_id FROM households WHERE id = $1")
                .bind(new.household_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(sqlx::Error::RowNotFound)?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO visits (id, household_id, community_code, grid_id, visitor_id, visited_at, purpose, notes, recorded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&id)
        .bind(new.household_id)
        .bind(&community)
        .bind(grid.as_deref())
        .bind(new.visitor_id)
        .bind(new.visited_at)
        .bind(new.purpose)
        .bind(new.notes)
        .bind(recorded_at)
        .execute(&mut *tx)
        .await?;
        let mut follow_ups = Vec::new();
        for (seq, f) in (1i64..).zip(new.follow_ups.iter()) {
            sqlx::query(
                "INSERT INTO visit_follow_ups (visit_id, seq, what, due) VALUES ($1, $2, $3, $4)",
            )
            .bind(&id)
            .bind(seq)
            .bind(f.what)
            .bind(f.due)
            .execute(&mut *tx)
            .await?;
            follow_ups.push(FollowUpRow {
                seq,
                what: f.what.to_string(),
                due: f.due,
                done_at: None,
                done_by: None,
            });
        }
        tx.commit().await?;
        Ok(VisitRow {
            id,
            household_id: new.household_id.to_string(),
            community_code: community,
            grid_id: grid,
            visitor_id: new.visitor_id.to_string(),
            visitor_name: None,
            visited_at: new.visited_at,
            purpose: new.purpose.to_string(),
            notes: new.notes.to_string(),
            recorded_at,
            follow_ups,
        })
    }

    /// A household's visits, newest first, each with its follow-ups.
    pub async fn visits_of(&self, household_id: &str) -> Result<Vec<VisitRow>> {
        let mut visits: Vec<VisitRow> = sqlx::query_as(
            "SELECT v.id, v.household_id, v.community_code, v.grid_id, v.visitor_id, u.display_name,
                    v.visited_at, v.purpose, v.notes, v.recorded_at
             FROM visits v LEFT JOIN users u ON u.id = v.visitor_id
             WHERE v.household_id = $1 ORDER BY v.visited_at DESC, v.id",
        )
        .bind(household_id)
        .fetch_all(self.pool())
        .await?;
        let follow_rows: Vec<VisitFollowUp> = sqlx::query_as(
            "SELECT f.visit_id, f.seq, f.what, f.due, f.done_at, f.done_by
             FROM visit_follow_ups f JOIN visits v ON v.id = f.visit_id
             WHERE v.household_id = $1 ORDER BY f.visit_id, f.seq",
        )
        .bind(household_id)
        .fetch_all(self.pool())
        .await?;
        for f in follow_rows {
            if let Some(visit) = visits.iter_mut().find(|v| v.id == f.visit_id) {
                visit.follow_ups.push(f.follow_up);
            }
        }
        Ok(visits)
    }

    /// The household a visit belongs to.
    pub async fn visit_household(&self, visit_id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT household_id FROM visits WHERE id = $1")
                .bind(visit_id)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    /// Marks a follow-up done; false when it does not exist or was already done (the first
    /// one to mark it keeps the record).
    pub async fn complete_follow_up(&self, visit_id: &str, seq: i64, by: By<'_>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE visit_follow_ups SET done_at = $1, done_by = $2
             WHERE visit_id = $3 AND seq = $4 AND done_at IS NULL",
        )
        .bind(by.at)
        .bind(by.actor)
        .bind(visit_id)
        .bind(seq)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(done == 1)
    }

    /// Follow-ups not done yet in the subtree with `prefix`, soonest due first (undated last).
    pub async fn open_follow_ups_within(&self, prefix: &str) -> Result<Vec<OpenFollowUp>> {
        let (low, high) = code_range(prefix);
        Ok(sqlx::query_as(
            "SELECT f.visit_id, f.seq, f.what, f.due, v.household_id, h.address, v.community_code,
                    h.grid_id, v.visited_at
             FROM visit_follow_ups f
             JOIN visits v ON v.id = f.visit_id
             JOIN households h ON h.id = v.household_id
             WHERE v.community_code BETWEEN $1 AND $2 AND f.done_at IS NULL
             ORDER BY CASE WHEN f.due IS NULL THEN 1 ELSE 0 END, f.due, v.visited_at, f.visit_id, f.seq",
        )
        .bind(low)
        .bind(high)
        .fetch_all(self.pool())
        .await?)
    }

    /// Follow-ups not done in the subtree with `prefix`, due at or before `until`; the
    /// earliest due first, at most `limit`.
    pub async fn follow_ups_due_within(
        &self,
        prefix: &str,
        until: i64,
        limit: i64,
    ) -> Result<Vec<DueFollowUp>> {
        let (low, high) = code_range(prefix);
        let household = HOUSEHOLD_COLUMNS
            .split(',')
            .map(|c| format!("h.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        Ok(sqlx::query_as(&format!(
            "SELECT f.visit_id, f.seq, f.what, f.due, {household}, r.name AS community_name
             FROM visit_follow_ups f
             JOIN visits v ON v.id = f.visit_id
             JOIN households h ON h.id = v.household_id
             JOIN regions r ON r.code = h.community_code
             WHERE f.done_at IS NULL AND f.due <= $1 AND v.community_code BETWEEN $2 AND $3
             ORDER BY f.due, f.visit_id, f.seq LIMIT $4"
        ))
        .bind(until)
        .bind(low)
        .bind(high)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// When each visit in a community took place, for visits in [from, to).
    pub async fn visit_times(&self, community: &str, from: i64, to: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT visited_at FROM visits
             WHERE community_code = $1 AND visited_at >= $2 AND visited_at < $3",
        )
        .bind(community)
        .bind(from)
        .bind(to)
        .fetch_all(self.pool())
        .await?)
    }

    /// Writes one access-log row.
    pub async fn log_access(&self, access: &NewAccess<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO access_log (id, at, actor_id, actor_name, actor_role, community_code, subject, target, shown)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(new_id())
        .bind(access.at)
        .bind(access.actor_id)
        .bind(access.actor_name)
        .bind(access.actor_role)
        .bind(access.community_code)
        .bind(access.subject)
        .bind(access.target)
        .bind(access.shown)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Access-log rows by the filter, newest first.
    pub async fn access_log(&self, filter: &AccessFilter<'_>) -> Result<Vec<AccessRow>> {
        let (low, high) = code_range(filter.prefix);
        // Optional filters as "$n IS NULL OR column = $n" would need typed NULLs on PostgreSQL;
        // the statement is built from the filters present instead, numbering parameters in order.
        let mut sql = String::from(
            "SELECT id, at, actor_id, actor_name, actor_role, community_code, subject, target, shown
             FROM access_log WHERE community_code BETWEEN $1 AND $2",
        );
        let mut n = 2;
        let mut texts: Vec<&str> = Vec::new();
        for (column, value) in [
            ("community_code", filter.community_code),
            ("actor_name", filter.actor_name),
            ("subject", filter.subject),
        ] {
            if let Some(value) = value {
                n += 1;
                sql.push_str(&format!(" AND {column} = ${n}"));
                texts.push(value);
            }
        }
        if filter.before.is_some() {
            sql.push_str(&format!(
                " AND (at < ${} OR (at = ${} AND id < ${}))",
                n + 1,
                n + 1,
                n + 2
            ));
        }
        sql.push_str(&format!(
            " ORDER BY at DESC, id DESC LIMIT ${}",
            n + 1 + if filter.before.is_some() { 2 } else { 0 }
        ));
        let mut query = sqlx::query_as(&sql).bind(low).bind(high);
        for value in texts {
            query = query.bind(value);
        }
        if let Some((at, id)) = filter.before {
            query = query.bind(at).bind(id);
        }
        Ok(query
            .bind(filter.limit.clamp(1, 1000))
            .fetch_all(self.pool())
            .await?)
    }
}
