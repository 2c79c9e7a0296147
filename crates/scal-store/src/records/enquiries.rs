//! Suppliers' requests to onboard a product to services (step 2 of the SCAL guide).

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_int, opt_text, text};
use crate::{Result, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EnquiryRecord {
    pub id: String,
    pub org_id: String,
    pub product_id: String,
    pub services: Vec<String>,
    pub details: String,
    /// Per service code, the use case the supplier gave (services that require one).
    pub use_cases: BTreeMap<String, String>,
    /// `open`, `more_information` (NHS England asked the supplier something), `declined` or
    /// `issued`.
    pub status: String,
    pub created_by: String,
    pub created_at: i64,
    pub issued_by: Option<String>,
    pub issued_at: Option<i64>,
    pub scal_id: Option<String>,
    /// NHS England's question (asking for more information) or reason (declining).
    pub nhse_note: Option<String>,
    pub noted_by: Option<String>,
    pub noted_at: Option<i64>,
    /// The supplier's answer to the latest question.
    pub supplier_reply: Option<String>,
}

const COLUMNS: &str =
    "id, org_id, product_id, services, details, status, created_by, created_at, issued_by, issued_at, scal_id, use_cases, \
     nhse_note, noted_by, noted_at, supplier_reply";

fn from_row(row: &AnyRow) -> Result<EnquiryRecord> {
    let services = text(row, "services")?;
    let use_cases = text(row, "use_cases")?;
    Ok(EnquiryRecord {
        id: text(row, "id")?,
        org_id: text(row, "org_id")?,
        product_id: text(row, "product_id")?,
        services: serde_json::from_str(&services).map_err(|e| StoreError::Corrupt(format!("enquiry services: {e}")))?,
        details: text(row, "details")?,
        use_cases: serde_json::from_str(&use_cases)
            .map_err(|e| StoreError::Corrupt(format!("enquiry use cases: {e}")))?,
        status: text(row, "status")?,
        created_by: text(row, "created_by")?,
        created_at: int(row, "created_at")?,
        issued_by: opt_text(row, "issued_by")?,
        issued_at: opt_int(row, "issued_at")?,
        scal_id: opt_text(row, "scal_id")?,
        nhse_note: opt_text(row, "nhse_note")?,
        noted_by: opt_text(row, "noted_by")?,
        noted_at: opt_int(row, "noted_at")?,
        supplier_reply: opt_text(row, "supplier_reply")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, e: &EnquiryRecord) -> Result<()> {
    let services = serde_json::to_string(&e.services).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let use_cases = serde_json::to_string(&e.use_cases).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    sqlx::query(&format!(
        "INSERT INTO enquiries ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    ))
    .bind(e.id.as_str())
    .bind(e.org_id.as_str())
    .bind(e.product_id.as_str())
    .bind(services)
    .bind(e.details.as_str())
    .bind(e.status.as_str())
    .bind(e.created_by.as_str())
    .bind(e.created_at)
    .bind(e.issued_by.clone())
    .bind(e.issued_at)
    .bind(e.scal_id.clone())
    .bind(use_cases)
    .bind(e.nhse_note.clone())
    .bind(e.noted_by.clone())
    .bind(e.noted_at)
    .bind(e.supplier_reply.clone())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<EnquiryRecord>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM enquiries WHERE id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The enquiry, read inside a write transaction and locked against a second issue.
pub async fn get_locked(tx: &mut crate::Tx, id: &str) -> Result<Option<EnquiryRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM enquiries WHERE id = $1{}", tx.for_update());
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Enquiries of one organisation, or of all when `org_id` is `None`; newest first.
pub async fn list<'e>(ex: impl Executor<'e, Database = Any>, org_id: Option<&str>) -> Result<Vec<EnquiryRecord>> {
    let rows = match org_id {
        Some(org) => {
            sqlx::query(&format!(
                "SELECT {COLUMNS} FROM enquiries WHERE org_id = $1 ORDER BY created_at DESC, id"
            ))
            .bind(org)
            .fetch_all(ex)
            .await?
        }
        None => {
            sqlx::query(&format!("SELECT {COLUMNS} FROM enquiries ORDER BY created_at DESC, id"))
                .fetch_all(ex)
                .await?
        }
    };
    rows.iter().map(from_row).collect()
}

pub async fn mark_issued<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    by: &str,
    at: i64,
    scal_id: &str,
) -> Result<()> {
    sqlx::query("UPDATE enquiries SET status = 'issued', issued_by = $1, issued_at = $2, scal_id = $3 WHERE id = $4")
        .bind(by)
        .bind(at)
        .bind(scal_id)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// NHS England asks the supplier something about the enquiry, or declines it: its new status and
/// the question or reason.
pub async fn mark_noted<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    status: &str,
    note: &str,
    by: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("UPDATE enquiries SET status = $1, nhse_note = $2, noted_by = $3, noted_at = $4 WHERE id = $5")
        .bind(status)
        .bind(note)
        .bind(by)
        .bind(at)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// The supplier answers NHS England's question: the enquiry is open again.
pub async fn mark_answered<'e>(ex: impl Executor<'e, Database = Any>, id: &str, reply: &str) -> Result<()> {
    sqlx::query("UPDATE enquiries SET status = 'open', supplier_reply = $1 WHERE id = $2")
        .bind(reply)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}
