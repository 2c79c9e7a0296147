//! Onboarding cases: one per product SCAL and service. Their step states are derived by the
//! domain; the case stores only what no sheet holds (the use-case declaration).

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_text, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CaseRecord {
    pub id: String,
    pub scal_id: String,
    pub service_code: String,
    pub use_case: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

const COLUMNS: &str = "id, scal_id, service_code, use_case, created_at, updated_at, updated_by";

fn from_row(row: &AnyRow) -> Result<CaseRecord> {
    Ok(CaseRecord {
        id: text(row, "id")?,
        scal_id: text(row, "scal_id")?,
        service_code: text(row, "service_code")?,
        use_case: opt_text(row, "use_case")?,
        created_at: int(row, "created_at")?,
        updated_at: int(row, "updated_at")?,
        updated_by: text(row, "updated_by")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, c: &CaseRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO onboarding_cases ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(c.id.as_str())
    .bind(c.scal_id.as_str())
    .bind(c.service_code.as_str())
    .bind(c.use_case.clone())
    .bind(c.created_at)
    .bind(c.updated_at)
    .bind(c.updated_by.as_str())
    .execute(ex)
    .await?;
    Ok(())
}

/// The SCAL's cases in the order they were opened.
pub async fn for_scal<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<CaseRecord>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM onboarding_cases WHERE scal_id = $1 ORDER BY created_at, service_code"
    ))
    .bind(scal_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Every case's `(SCAL ID, service code)`: which services each SCAL is assured for, in one query.
pub async fn services_of_every_scal<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<(String, String)>> {
    sqlx::query("SELECT scal_id, service_code FROM onboarding_cases ORDER BY scal_id, service_code")
        .fetch_all(ex)
        .await?
        .iter()
        .map(|row| {
            Ok((
                crate::rows::text(row, "scal_id")?,
                crate::rows::text(row, "service_code")?,
            ))
        })
        .collect()
}

pub async fn set_use_case<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    use_case: Option<&str>,
    at: i64,
    by: &str,
) -> Result<()> {
    sqlx::query("UPDATE onboarding_cases SET use_case = $1, updated_at = $2, updated_by = $3 WHERE id = $4")
        .bind(use_case.map(str::to_string))
        .bind(at)
        .bind(by)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}
