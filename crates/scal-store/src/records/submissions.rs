//! Submitted rounds of a SCAL: immutable snapshots; only the decision fields are ever written
//! later, once.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_int, opt_text, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SubmissionRecord {
    pub id: String,
    pub scal_id: String,
    pub round: i64,
    /// `submitted`, `returned`, `accepted` or `withdrawn` (`review::RoundStatus`).
    pub status: String,
    pub snapshot: String,
    pub sha256: String,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub summary: Option<String>,
}

const COLUMNS: &str = "id, scal_id, round, status, snapshot, sha256, submitted_by, submitted_at, decided_by, \
                       decided_at, decision_summary";
/// Everything but the snapshot, for lists.
const SUMMARY_COLUMNS: &str = "id, scal_id, round, status, '' AS snapshot, sha256, submitted_by, submitted_at, \
                               decided_by, decided_at, decision_summary";

impl SubmissionRecord {
    /// Its status as the domain knows it; a code scal never writes reads as submitted, the state
    /// that changes nothing.
    pub fn round_status(&self) -> scal_domain::review::RoundStatus {
        scal_domain::review::RoundStatus::parse(&self.status).unwrap_or(scal_domain::review::RoundStatus::Submitted)
    }
}

fn from_row(row: &AnyRow) -> Result<SubmissionRecord> {
    Ok(SubmissionRecord {
        id: text(row, "id")?,
        scal_id: text(row, "scal_id")?,
        round: int(row, "round")?,
        status: text(row, "status")?,
        snapshot: text(row, "snapshot")?,
        sha256: text(row, "sha256")?,
        submitted_by: text(row, "submitted_by")?,
        submitted_at: int(row, "submitted_at")?,
        decided_by: opt_text(row, "decided_by")?,
        decided_at: opt_int(row, "decided_at")?,
        summary: opt_text(row, "decision_summary")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, s: &SubmissionRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO submissions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(s.id.as_str())
    .bind(s.scal_id.as_str())
    .bind(s.round)
    .bind(s.status.as_str())
    .bind(s.snapshot.as_str())
    .bind(s.sha256.as_str())
    .bind(s.submitted_by.as_str())
    .bind(s.submitted_at)
    .bind(s.decided_by.clone())
    .bind(s.decided_at)
    .bind(s.summary.clone())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<SubmissionRecord>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM submissions WHERE id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The SCAL's rounds, oldest first, without their snapshots.
pub async fn for_scal<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<SubmissionRecord>> {
    sqlx::query(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM submissions WHERE scal_id = $1 ORDER BY round"
    ))
    .bind(scal_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Submissions with a status (all when `None`), oldest first, without their snapshots, each with
/// its product's ID.
pub async fn list<'e>(
    ex: impl Executor<'e, Database = Any>,
    status: Option<&str>,
) -> Result<Vec<(SubmissionRecord, String)>> {
    let columns = SUMMARY_COLUMNS
        .split(", ")
        .map(|c| {
            if c.contains(" AS ") {
                c.to_string()
            } else {
                format!("s.{c}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    // Two texts rather than `$1 IS NULL OR status = $1`, which a prepared (generic) plan on
    // PostgreSQL cannot answer from the status index.
    let filter = if status.is_some() { "WHERE s.status = $1 " } else { "" };
    let sql = format!(
        "SELECT {columns}, c.product_id FROM submissions s JOIN scals c ON c.id = s.scal_id \
         {filter}ORDER BY s.submitted_at, s.round, s.id"
    );
    let mut query = sqlx::query(&sql);
    if let Some(status) = status {
        query = query.bind(status.to_string());
    }
    query
        .fetch_all(ex)
        .await?
        .iter()
        .map(|row| Ok((from_row(row)?, text(row, "product_id")?)))
        .collect()
}

/// Records NHS England's (or, for a withdrawal, the supplier's) decision on a round: its new
/// status, who, when and the summary. Only a round still waiting is changed; `false` if it was not.
pub async fn mark_decided<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    status: &str,
    by: &str,
    at: i64,
    summary: Option<&str>,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE submissions SET status = $1, decided_by = $2, decided_at = $3, decision_summary = $4 \
         WHERE id = $5 AND status = 'submitted'",
    )
    .bind(status)
    .bind(by)
    .bind(at)
    .bind(summary.map(str::to_string))
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The snapshots of every round (of one status), by submission ID: one query for a whole queue.
pub async fn snapshots<'e>(
    ex: impl Executor<'e, Database = Any>,
    status: Option<&str>,
) -> Result<Vec<(String, String)>> {
    sqlx::query("SELECT id, snapshot FROM submissions WHERE ($1 IS NULL OR status = $1)")
        .bind(status.map(str::to_string))
        .fetch_all(ex)
        .await?
        .iter()
        .map(|row| Ok((text(row, "id")?, text(row, "snapshot")?)))
        .collect()
}

/// Who reviews a round, by user ID (`None`: nobody has taken it).
pub async fn reviewer_of<'e>(ex: impl Executor<'e, Database = Any>, submission_id: &str) -> Result<Option<String>> {
    sqlx::query("SELECT reviewer_id FROM review_assignments WHERE submission_id = $1")
        .bind(submission_id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(|row| text(row, "reviewer_id"))
        .transpose()
}

/// Every round's reviewer: `(submission ID, reviewer's user ID)`.
pub async fn reviewers<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<(String, String)>> {
    sqlx::query("SELECT submission_id, reviewer_id FROM review_assignments")
        .fetch_all(ex)
        .await?
        .iter()
        .map(|row| Ok((text(row, "submission_id")?, text(row, "reviewer_id")?)))
        .collect()
}

/// Gives a round to a reviewer, replacing whoever had it.
pub async fn assign(tx: &mut crate::Tx, submission_id: &str, reviewer_id: &str, by: &str, at: i64) -> Result<()> {
    sqlx::query("DELETE FROM review_assignments WHERE submission_id = $1")
        .bind(submission_id)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "INSERT INTO review_assignments (submission_id, reviewer_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(submission_id)
    .bind(reviewer_id)
    .bind(by)
    .bind(at)
    .execute(tx.conn())
    .await?;
    Ok(())
}
