//! Shares of accepted SCALs with end user organisations, the files each shares, and what each
//! SCAL's EUOs were last told about its certificate.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_int, opt_text, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShareRecord {
    pub id: String,
    pub product_id: String,
    pub scal_id: String,
    pub supplier_org_id: String,
    /// The EUO's ODS code, upper-case: it may not be registered yet.
    pub euo_ods: String,
    /// ISO 8601.
    pub expires_on: Option<String>,
    pub shared_by: String,
    pub shared_at: i64,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
}

const COLUMNS: &str = "id, product_id, scal_id, supplier_org_id, euo_ods, expires_on, shared_by, shared_at, \
                       revoked_by, revoked_at, revoke_reason";

fn from_row(row: &AnyRow) -> Result<ShareRecord> {
    Ok(ShareRecord {
        id: text(row, "id")?,
        product_id: text(row, "product_id")?,
        scal_id: text(row, "scal_id")?,
        supplier_org_id: text(row, "supplier_org_id")?,
        euo_ods: text(row, "euo_ods")?,
        expires_on: opt_text(row, "expires_on")?,
        shared_by: text(row, "shared_by")?,
        shared_at: int(row, "shared_at")?,
        revoked_by: opt_text(row, "revoked_by")?,
        revoked_at: opt_int(row, "revoked_at")?,
        revoke_reason: opt_text(row, "revoke_reason")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, s: &ShareRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO shares ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    ))
    .bind(s.id.as_str())
    .bind(s.product_id.as_str())
    .bind(s.scal_id.as_str())
    .bind(s.supplier_org_id.as_str())
    .bind(s.euo_ods.as_str())
    .bind(s.expires_on.as_deref())
    .bind(s.shared_by.as_str())
    .bind(s.shared_at)
    .bind(s.revoked_by.as_deref())
    .bind(s.revoked_at)
    .bind(s.revoke_reason.as_deref())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<ShareRecord>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM shares WHERE id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

async fn many<'e>(
    ex: impl Executor<'e, Database = Any>,
    filter: &str,
    value: Option<&str>,
) -> Result<Vec<ShareRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM shares {filter} ORDER BY shared_at DESC, id");
    let mut query = sqlx::query(&sql);
    if let Some(value) = value {
        query = query.bind(value);
    }
    query.fetch_all(ex).await?.iter().map(from_row).collect()
}

/// Every share, newest first.
pub async fn all<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<ShareRecord>> {
    many(ex, "", None).await
}

pub async fn for_product<'e>(ex: impl Executor<'e, Database = Any>, product_id: &str) -> Result<Vec<ShareRecord>> {
    many(ex, "WHERE product_id = $1", Some(product_id)).await
}

pub async fn for_supplier<'e>(ex: impl Executor<'e, Database = Any>, org_id: &str) -> Result<Vec<ShareRecord>> {
    many(ex, "WHERE supplier_org_id = $1", Some(org_id)).await
}

pub async fn for_euo<'e>(ex: impl Executor<'e, Database = Any>, ods: &str) -> Result<Vec<ShareRecord>> {
    many(ex, "WHERE euo_ods = $1", Some(ods)).await
}

pub async fn for_scal<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<ShareRecord>> {
    many(ex, "WHERE scal_id = $1", Some(scal_id)).await
}

/// Marks a share revoked; false when it already was.
pub async fn revoke<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    by: &str,
    at: i64,
    reason: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE shares SET revoked_by = $1, revoked_at = $2, revoke_reason = $3 WHERE id = $4 AND revoked_at IS NULL",
    )
    .bind(by)
    .bind(at)
    .bind(reason)
    .bind(id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The evidence files a share shares.
pub async fn files<'e>(ex: impl Executor<'e, Database = Any>, share_id: &str) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT evidence_id FROM share_files WHERE share_id = $1 ORDER BY evidence_id")
        .bind(share_id)
        .fetch_all(ex)
        .await?;
    rows.iter().map(|r| text(r, "evidence_id")).collect()
}

/// Replaces the files a share shares.
pub async fn set_files(tx: &mut crate::Tx, share_id: &str, evidence_ids: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM share_files WHERE share_id = $1")
        .bind(share_id)
        .execute(tx.conn())
        .await?;
    for id in evidence_ids {
        sqlx::query("INSERT INTO share_files (share_id, evidence_id) VALUES ($1, $2)")
            .bind(share_id)
            .bind(id.as_str())
            .execute(tx.conn())
            .await?;
    }
    Ok(())
}

/// What a SCAL's EUOs were last told: `(certificate ID, status code)`.
pub async fn watched<'e>(
    ex: impl Executor<'e, Database = Any>,
    scal_id: &str,
) -> Result<Option<(Option<String>, String)>> {
    let row = sqlx::query("SELECT certificate_id, status FROM share_watch WHERE scal_id = $1")
        .bind(scal_id)
        .fetch_optional(ex)
        .await?;
    row.map(|r| Ok((opt_text(&r, "certificate_id")?, text(&r, "status")?)))
        .transpose()
}

/// Records what a SCAL's EUOs are told, only if what they were last told is still `seen` (so two
/// processes noticing the same change tell it once). True when this call recorded it.
pub async fn tell_once<'e>(
    ex: impl Executor<'e, Database = Any>,
    scal_id: &str,
    seen: Option<&(Option<String>, String)>,
    now: (&Option<String>, &str),
    at: i64,
) -> Result<bool> {
    let done = match seen {
        None => {
            sqlx::query(
                "INSERT INTO share_watch (scal_id, certificate_id, status, told_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (scal_id) DO NOTHING",
            )
            .bind(scal_id)
            .bind(now.0.as_deref())
            .bind(now.1)
            .bind(at)
            .execute(ex)
            .await?
        }
        Some((certificate, status)) => {
            sqlx::query(
                "UPDATE share_watch SET certificate_id = $1, status = $2, told_at = $3 \
                 WHERE scal_id = $4 AND COALESCE(certificate_id, '') = $5 AND status = $6",
            )
            .bind(now.0.as_deref())
            .bind(now.1)
            .bind(at)
            .bind(scal_id)
            .bind(certificate.as_deref().unwrap_or(""))
            .bind(status.as_str())
            .execute(ex)
            .await?
        }
    };
    Ok(done.rows_affected() == 1)
}

/// Every SCAL with at least one share, for the watch.
pub async fn shared_scals<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT DISTINCT scal_id FROM shares WHERE revoked_at IS NULL ORDER BY scal_id")
        .fetch_all(ex)
        .await?;
    rows.iter().map(|r| text(r, "scal_id")).collect()
}

/// The shares that share an evidence file, in every state.
pub async fn sharing_file<'e>(ex: impl Executor<'e, Database = Any>, evidence_id: &str) -> Result<Vec<ShareRecord>> {
    let columns: String = COLUMNS
        .split(", ")
        .map(|c| format!("s.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query(&format!(
        "SELECT {columns} FROM shares s JOIN share_files f ON f.share_id = s.id WHERE f.evidence_id = $1 ORDER BY s.id"
    ))
    .bind(evidence_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Forgets an evidence file in every share (only ended shares may still name a file deleted).
pub async fn forget_file<'e>(ex: impl Executor<'e, Database = Any>, evidence_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM share_files WHERE evidence_id = $1")
        .bind(evidence_id)
        .execute(ex)
        .await?;
    Ok(())
}
