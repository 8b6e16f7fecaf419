//! Bulk loading for benchmarks and imports: many rows per statement, one transaction per call.

use crate::regions::RegionRow;
use crate::sql::placeholders;
use crate::{Result, Store};

/// Rows per INSERT: well under both databases' parameter limits.
const BATCH: usize = 400;

/// A finished entry for bulk loading.
#[derive(Debug, Clone)]
pub struct BulkEntry {
    pub round_id: String,
    pub community_code: String,
    pub stage: String,
    pub previous_star: i64,
    pub total: i64,
    pub share: i64,
    pub star: i64,
    pub decision: String,
    pub reward_fen: i64,
}

impl Store {
    pub async fn bulk_regions(&self, regions: &[RegionRow]) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for chunk in regions.chunks(BATCH) {
            let sql = format!(
                "INSERT INTO regions (code, name, level, parent, urban_rural) VALUES {}",
                placeholders(chunk.len(), 5)
            );
            let mut query = sqlx::query(&sql);
            for r in chunk {
                query = query
                    .bind(&r.code)
                    .bind(&r.name)
                    .bind(&r.level)
                    .bind(&r.parent)
                    .bind(&r.urban_rural);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn bulk_entries(&self, entries: &[BulkEntry], now: i64) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for chunk in entries.chunks(BATCH / 2) {
            let sql = format!(
                "INSERT INTO entries (round_id, community_code, stage, previous_star, declared_at, declared_by,
                    total, share, star_by_score, star, decision, reward_fen, version) VALUES {}",
                placeholders(chunk.len(), 13)
            );
            let mut query = sqlx::query(&sql);
            for e in chunk {
                query = query
                    .bind(&e.round_id)
                    .bind(&e.community_code)
                    .bind(&e.stage)
                    .bind(e.previous_star)
                    .bind(now)
                    .bind("bench")
                    .bind(e.total)
                    .bind(e.share)
                    .bind(e.star)
                    .bind(e.star)
                    .bind(&e.decision)
                    .bind(e.reward_fen)
                    .bind(1i64);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Answers: (round, community, sheet, clause, answer JSON).
    pub async fn bulk_answers(
        &self,
        answers: &[(String, String, String, String, String)],
        now: i64,
    ) -> Result<()> {
        let mut tx = self.write_tx().await?;
        for chunk in answers.chunks(BATCH / 2) {
            let sql = format!(
                "INSERT INTO answers (round_id, community_code, sheet, clause_id, answer, updated_at, updated_by) VALUES {}",
                placeholders(chunk.len(), 7)
            );
            let mut query = sqlx::query(&sql);
            for (round, community, sheet, clause, answer) in chunk {
                query = query
                    .bind(round)
                    .bind(community)
                    .bind(sheet)
                    .bind(clause)
                    .bind(answer)
                    .bind(now)
                    .bind("bench");
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
