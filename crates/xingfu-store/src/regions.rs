//! The administrative hierarchy, keyed by 12-digit national statistical division codes.

use serde::Serialize;

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    /// province | city | district | street | community
    pub level: String,
    pub parent: Option<String>,
    pub urban_rural: Option<String>,
}

const COLUMNS: &str = "code, name, level, parent, urban_rural";

impl Store {
    /// Inserts or updates regions, all in one transaction: a failure leaves none of them written.
    pub async fn upsert_regions(&self, regions: &[RegionRow]) -> Result<usize> {
        let mut tx = self.write_tx().await?;
        for r in regions {
            sqlx::query(
                "INSERT INTO regions (code, name, level, parent, urban_rural) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level,
                 parent = excluded.parent, urban_rural = excluded.urban_rural",
            )
            .bind(&r.code)
            .bind(&r.name)
            .bind(&r.level)
            .bind(&r.parent)
            .bind(&r.urban_rural)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(regions.len())
    }

    pub async fn region(&self, code: &str) -> Result<Option<RegionRow>> {
        self.row_where(
            &format!("SELECT {COLUMNS} FROM regions WHERE code = $1"),
            code,
        )
        .await
    }

    /// A region's name; `None` when the code is not stored.
    pub async fn region_name(&self, code: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT name FROM regions WHERE code = $1")
                .bind(code)
                .fetch_optional(self.pool())
                .await?,
        )
    }

    pub async fn children(&self, code: &str) -> Result<Vec<RegionRow>> {
        self.rows_where(
            &format!("SELECT {COLUMNS} FROM regions WHERE parent = $1 ORDER BY code"),
            code,
        )
        .await
    }

    /// Regions of `level` inside the subtree of `ancestor` (by division-code prefix).
    pub async fn regions_within(
        &self,
        ancestor: &RegionRow,
        level: &str,
    ) -> Result<Vec<RegionRow>> {
        let prefix = xingfu_core::region::subtree_prefix(&ancestor.code, &ancestor.level);
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM regions WHERE level = $1 AND code BETWEEN $2 AND $3 ORDER BY code"
        ))
        .bind(level)
        .bind(crate::code_range(prefix).0)
        .bind(crate::code_range(prefix).1)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn count_regions(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) AS n FROM regions")
            .fetch_one(self.pool())
            .await?)
    }
}
