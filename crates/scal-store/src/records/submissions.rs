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

/// Which rounds [`list`] reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFilter<'a> {
    /// Only rounds with this status; all when `None`.
    pub status: Option<&'a str>,
    /// Only rounds of this organisation's products; every organisation's when `None`.
    pub org_id: Option<&'a str>,
    /// Only rounds after this one in the list's order (a keyset page), by submission ID.
    pub after: Option<&'a str>,
    /// At most this many; all when `None`.
    pub limit: Option<i64>,
}

/// One listed round: the round without its snapshot, its product, and who reviews it (user ID
/// and name; the name is `None` if the user is gone).
pub type ListedRound = (SubmissionRecord, crate::ProductRecord, Option<(String, Option<String>)>);

/// Rounds oldest first (by submission time, round, ID), without their snapshots, each with its
/// product and reviewer: one query, which reads only the rounds it returns.
pub async fn list<'e>(ex: impl Executor<'e, Database = Any>, filter: ListFilter<'_>) -> Result<Vec<ListedRound>> {
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
    let product = crate::records::products::columns_as("p", "p_");
    // Each condition is in the text only when it applies, rather than `$1 IS NULL OR …`, which a
    // prepared (generic) plan on PostgreSQL cannot answer from an index.
    let mut conditions = Vec::new();
    let mut binds: Vec<String> = Vec::new();
    let mut bind = |value: &str| {
        binds.push(value.to_string());
        format!("${}", binds.len())
    };
    if let Some(status) = filter.status {
        conditions.push(format!("s.status = {}", bind(status)));
    }
    if let Some(org_id) = filter.org_id {
        conditions.push(format!("p.org_id = {}", bind(org_id)));
    }
    if let Some(after) = filter.after {
        // Row values compare in order on both databases; an unknown ID matches nothing.
        conditions.push(format!(
            "(s.submitted_at, s.round, s.id) > (SELECT submitted_at, round, id FROM submissions WHERE id = {})",
            bind(after)
        ));
    }
    let filter_sql = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {} ", conditions.join(" AND "))
    };
    let limit_sql = filter.limit.map(|n| format!(" LIMIT {}", n.max(0))).unwrap_or_default();
    let sql = format!(
        "SELECT {columns}, {product}, a.reviewer_id AS reviewer_id, u.name AS reviewer_name \
         FROM submissions s JOIN scals c ON c.id = s.scal_id JOIN products p ON p.id = c.product_id \
         LEFT JOIN review_assignments a ON a.submission_id = s.id LEFT JOIN users u ON u.id = a.reviewer_id \
         {filter_sql}ORDER BY s.submitted_at, s.round, s.id{limit_sql}"
    );
    let mut query = sqlx::query(&sql);
    for value in binds {
        query = query.bind(value);
    }
    query
        .fetch_all(ex)
        .await?
        .iter()
        .map(|row| {
            let reviewer = match opt_text(row, "reviewer_id")? {
                Some(id) => Some((id, opt_text(row, "reviewer_name")?)),
                None => None,
            };
            Ok((
                from_row(row)?,
                crate::records::products::from_row_as(row, "p_")?,
                reviewer,
            ))
        })
        .collect()
}

/// The product's organisation of a round, if the round exists: to check a page's cursor is one
/// the reader may see.
pub async fn org_of<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<String>> {
    sqlx::query(
        "SELECT p.org_id FROM submissions s JOIN scals c ON c.id = s.scal_id JOIN products p ON p.id = c.product_id \
         WHERE s.id = $1",
    )
    .bind(id)
    .fetch_optional(ex)
    .await?
    .as_ref()
    .map(|row| text(row, "org_id"))
    .transpose()
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

/// The snapshots of these rounds, by submission ID (unknown IDs are left out).
pub async fn snapshots<'e>(ex: impl Executor<'e, Database = Any>, ids: &[&str]) -> Result<Vec<(String, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let marks = (1..=ids.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
    let sql = format!("SELECT id, snapshot FROM submissions WHERE id IN ({marks})");
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    query
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
