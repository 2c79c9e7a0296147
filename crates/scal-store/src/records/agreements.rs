//! Connection agreement versions, agreements (prepared, then accepted with their seal) and go-live
//! approvals.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_int, opt_text, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VersionRecord {
    pub id: String,
    pub title: String,
    pub text: String,
    /// The SHA-256 of `text`: the version's identity.
    pub sha256: String,
    /// ISO 8601.
    pub effective_date: String,
    pub published_by: String,
    pub published_at: i64,
}

const VERSION_COLUMNS: &str = "id, title, text, sha256, effective_date, published_by, published_at";

fn version_from_row(row: &AnyRow) -> Result<VersionRecord> {
    Ok(VersionRecord {
        id: text(row, "id")?,
        title: text(row, "title")?,
        text: text(row, "text")?,
        sha256: text(row, "sha256")?,
        effective_date: text(row, "effective_date")?,
        published_by: text(row, "published_by")?,
        published_at: int(row, "published_at")?,
    })
}

pub async fn insert_version<'e>(ex: impl Executor<'e, Database = Any>, v: &VersionRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO agreement_versions ({VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(v.id.as_str())
    .bind(v.title.as_str())
    .bind(v.text.as_str())
    .bind(v.sha256.as_str())
    .bind(v.effective_date.as_str())
    .bind(v.published_by.as_str())
    .bind(v.published_at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn version<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<VersionRecord>> {
    sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM agreement_versions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?
    .as_ref()
    .map(version_from_row)
    .transpose()
}

pub async fn version_by_hash<'e>(ex: impl Executor<'e, Database = Any>, sha256: &str) -> Result<Option<VersionRecord>> {
    sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM agreement_versions WHERE sha256 = $1"
    ))
    .bind(sha256)
    .fetch_optional(ex)
    .await?
    .as_ref()
    .map(version_from_row)
    .transpose()
}

/// Every version, newest first.
pub async fn versions<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<VersionRecord>> {
    sqlx::query(&format!(
        "SELECT {VERSION_COLUMNS} FROM agreement_versions ORDER BY published_at DESC, id"
    ))
    .fetch_all(ex)
    .await?
    .iter()
    .map(version_from_row)
    .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgreementRecord {
    pub id: String,
    pub sequence: i64,
    /// `CNTR` and seven digits.
    pub reference: String,
    pub scal_id: String,
    pub certificate_id: String,
    pub version_id: String,
    pub signatory_user_id: String,
    pub prepared_by: String,
    pub prepared_at: i64,
    /// The canonical JSON of `agreement::Seal`, once accepted.
    pub seal: Option<String>,
    pub seal_sha256: Option<String>,
    /// ISO 8601, once accepted.
    pub start_date: Option<String>,
    pub accepted_at: Option<i64>,
}

const COLUMNS: &str = "id, sequence, reference, scal_id, certificate_id, version_id, signatory_user_id, prepared_by, \
                       prepared_at, seal, seal_sha256, start_date, accepted_at";

fn from_row(row: &AnyRow) -> Result<AgreementRecord> {
    Ok(AgreementRecord {
        id: text(row, "id")?,
        sequence: int(row, "sequence")?,
        reference: text(row, "reference")?,
        scal_id: text(row, "scal_id")?,
        certificate_id: text(row, "certificate_id")?,
        version_id: text(row, "version_id")?,
        signatory_user_id: text(row, "signatory_user_id")?,
        prepared_by: text(row, "prepared_by")?,
        prepared_at: int(row, "prepared_at")?,
        seal: opt_text(row, "seal")?,
        seal_sha256: opt_text(row, "seal_sha256")?,
        start_date: opt_text(row, "start_date")?,
        accepted_at: opt_int(row, "accepted_at")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, a: &AgreementRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO agreements ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(a.id.as_str())
    .bind(a.sequence)
    .bind(a.reference.as_str())
    .bind(a.scal_id.as_str())
    .bind(a.certificate_id.as_str())
    .bind(a.version_id.as_str())
    .bind(a.signatory_user_id.as_str())
    .bind(a.prepared_by.as_str())
    .bind(a.prepared_at)
    .bind(a.seal.clone())
    .bind(a.seal_sha256.clone())
    .bind(a.start_date.clone())
    .bind(a.accepted_at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<AgreementRecord>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM agreements WHERE id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A SCAL's agreements, newest first.
pub async fn for_scal<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<AgreementRecord>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM agreements WHERE scal_id = $1 ORDER BY sequence DESC"
    ))
    .bind(scal_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Every agreement, newest first (NHS England's list; parties of a version).
pub async fn all<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<AgreementRecord>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM agreements ORDER BY sequence DESC"))
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The next agreement's sequence number (writers are serialised; the UNIQUE constraint backs it).
pub async fn next_sequence<'e>(ex: impl Executor<'e, Database = Any>) -> Result<i64> {
    let row = sqlx::query("SELECT COALESCE(MAX(sequence), 0) + 1 AS next FROM agreements")
        .fetch_one(ex)
        .await?;
    int(&row, "next")
}

/// Records the acceptance: `false` if it was already accepted.
pub async fn accept<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    seal: &str,
    seal_sha256: &str,
    start_date: &str,
    at: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE agreements SET seal = $1, seal_sha256 = $2, start_date = $3, accepted_at = $4 \
         WHERE id = $5 AND accepted_at IS NULL",
    )
    .bind(seal)
    .bind(seal_sha256)
    .bind(start_date)
    .bind(at)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Names another signatory on an agreement not yet accepted. `false`: it was accepted meanwhile.
pub async fn set_signatory<'e>(ex: impl Executor<'e, Database = Any>, id: &str, user_id: &str) -> Result<bool> {
    let done = sqlx::query("UPDATE agreements SET signatory_user_id = $1 WHERE id = $2 AND accepted_at IS NULL")
        .bind(user_id)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes an agreement not yet accepted (withdrawn). `false`: it was accepted meanwhile.
pub async fn delete_prepared<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM agreements WHERE id = $1 AND accepted_at IS NULL")
        .bind(id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApprovalRecord {
    pub case_id: String,
    pub scal_id: String,
    pub agreement_id: String,
    pub certificate_id: String,
    pub approved_by: String,
    pub approved_at: i64,
}

const APPROVAL_COLUMNS: &str = "case_id, scal_id, agreement_id, certificate_id, approved_by, approved_at";

fn approval_from_row(row: &AnyRow) -> Result<ApprovalRecord> {
    Ok(ApprovalRecord {
        case_id: text(row, "case_id")?,
        scal_id: text(row, "scal_id")?,
        agreement_id: text(row, "agreement_id")?,
        certificate_id: text(row, "certificate_id")?,
        approved_by: text(row, "approved_by")?,
        approved_at: int(row, "approved_at")?,
    })
}

pub async fn insert_approval<'e>(ex: impl Executor<'e, Database = Any>, a: &ApprovalRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO go_live_approvals ({APPROVAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(a.case_id.as_str())
    .bind(a.scal_id.as_str())
    .bind(a.agreement_id.as_str())
    .bind(a.certificate_id.as_str())
    .bind(a.approved_by.as_str())
    .bind(a.approved_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// A SCAL's go-live approvals, one per case at most.
pub async fn approvals_for_scal<'e>(
    ex: impl Executor<'e, Database = Any>,
    scal_id: &str,
) -> Result<Vec<ApprovalRecord>> {
    sqlx::query(&format!(
        "SELECT {APPROVAL_COLUMNS} FROM go_live_approvals WHERE scal_id = $1 ORDER BY approved_at, case_id"
    ))
    .bind(scal_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(approval_from_row)
    .collect()
}
