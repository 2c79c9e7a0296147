//! Certificates of technical conformance and the progress of the conditions they carry.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_int, opt_text, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertificateRecord {
    pub id: String,
    pub sequence: i64,
    pub scal_id: String,
    pub submission_id: String,
    /// The canonical JSON of `certificate::CertificateFacts`: what the JWS signs.
    pub facts: String,
    pub jws: String,
    pub issued_by: String,
    pub issued_at: i64,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
}

const COLUMNS: &str = "id, sequence, scal_id, submission_id, facts, jws, issued_by, issued_at, revoked_by, \
                       revoked_at, revoke_reason";

fn from_row(row: &AnyRow) -> Result<CertificateRecord> {
    Ok(CertificateRecord {
        id: text(row, "id")?,
        sequence: int(row, "sequence")?,
        scal_id: text(row, "scal_id")?,
        submission_id: text(row, "submission_id")?,
        facts: text(row, "facts")?,
        jws: text(row, "jws")?,
        issued_by: text(row, "issued_by")?,
        issued_at: int(row, "issued_at")?,
        revoked_by: opt_text(row, "revoked_by")?,
        revoked_at: opt_int(row, "revoked_at")?,
        revoke_reason: opt_text(row, "revoke_reason")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, c: &CertificateRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO certificates ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(c.id.as_str())
    .bind(c.sequence)
    .bind(c.scal_id.as_str())
    .bind(c.submission_id.as_str())
    .bind(c.facts.as_str())
    .bind(c.jws.as_str())
    .bind(c.issued_by.as_str())
    .bind(c.issued_at)
    .bind(c.revoked_by.clone())
    .bind(c.revoked_at)
    .bind(c.revoke_reason.clone())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<CertificateRecord>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM certificates WHERE id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A SCAL's certificates, newest first.
pub async fn for_scal<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<CertificateRecord>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM certificates WHERE scal_id = $1 ORDER BY sequence DESC"
    ))
    .bind(scal_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The certificate issued for a round, if any.
pub async fn for_submission<'e>(
    ex: impl Executor<'e, Database = Any>,
    submission_id: &str,
) -> Result<Option<CertificateRecord>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM certificates WHERE submission_id = $1"))
        .bind(submission_id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The next certificate's sequence number (writers are serialised: SQLite's lock, the audit head
/// lock on PostgreSQL; the UNIQUE constraint backs it).
pub async fn next_sequence<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64> {
    let row = sqlx::query("SELECT COALESCE(MAX(sequence), 0) + 1 AS next FROM certificates")
        .fetch_one(ex)
        .await?;
    int(&row, "next")
}

/// Revokes a certificate (final): `false` if it was already revoked.
pub async fn revoke<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    by: &str,
    at: i64,
    reason: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE certificates SET revoked_by = $1, revoked_at = $2, revoke_reason = $3 WHERE id = $4 AND revoked_at IS NULL",
    )
    .bind(by)
    .bind(at)
    .bind(reason)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A condition of a red item agreed with conditions, with its progress.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConditionRecord {
    pub id: String,
    pub submission_id: String,
    pub requirement_id: String,
    pub position: i64,
    pub text: String,
    /// ISO 8601.
    pub due_date: String,
    pub met_by: Option<String>,
    pub met_at: Option<i64>,
    pub met_note: Option<String>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<i64>,
}

const CONDITION_COLUMNS: &str = "c.id, v.submission_id, v.requirement_id, c.position, c.text, c.due_date, c.met_by, \
                                 c.met_at, c.met_note, c.confirmed_by, c.confirmed_at";

fn condition_from_row(row: &AnyRow) -> Result<ConditionRecord> {
    Ok(ConditionRecord {
        id: text(row, "id")?,
        submission_id: text(row, "submission_id")?,
        requirement_id: text(row, "requirement_id")?,
        position: int(row, "position")?,
        text: text(row, "text")?,
        due_date: text(row, "due_date")?,
        met_by: opt_text(row, "met_by")?,
        met_at: opt_int(row, "met_at")?,
        met_note: opt_text(row, "met_note")?,
        confirmed_by: opt_text(row, "confirmed_by")?,
        confirmed_at: opt_int(row, "confirmed_at")?,
    })
}

/// The conditions of a round, in the round's verdict order then their own.
pub async fn conditions_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    submission_id: &str,
) -> Result<Vec<ConditionRecord>> {
    sqlx::query(&format!(
        "SELECT {CONDITION_COLUMNS} FROM review_conditions c JOIN review_verdicts v ON v.id = c.verdict_id \
         WHERE v.submission_id = $1 ORDER BY v.sheet, v.requirement_id, c.position"
    ))
    .bind(submission_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(condition_from_row)
    .collect()
}

pub async fn condition<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<ConditionRecord>> {
    sqlx::query(&format!(
        "SELECT {CONDITION_COLUMNS} FROM review_conditions c JOIN review_verdicts v ON v.id = c.verdict_id WHERE c.id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?
    .as_ref()
    .map(condition_from_row)
    .transpose()
}

/// The supplier says a condition is met (again, after NHS England did not confirm it).
pub async fn mark_met<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    by: &str,
    at: i64,
    note: &str,
) -> Result<()> {
    sqlx::query("UPDATE review_conditions SET met_by = $1, met_at = $2, met_note = $3 WHERE id = $4")
        .bind(by)
        .bind(at)
        .bind(note)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// NHS England confirms a condition met.
pub async fn confirm<'e>(ex: impl Executor<'e, Database = Any>, id: &str, by: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE review_conditions SET confirmed_by = $1, confirmed_at = $2 WHERE id = $3")
        .bind(by)
        .bind(at)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}
