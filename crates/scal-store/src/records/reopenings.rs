//! Reopenings of accepted SCALs (uplifts and product changes) and what each asks to confirm.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_int, opt_text, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReopeningRecord {
    pub id: String,
    pub scal_id: String,
    /// `uplift` or `product_change`.
    pub kind: String,
    /// In plain words: "uplift to GP Connect v2".
    pub reason: String,
    /// The SCAL's latest round when it was reopened (0: none).
    pub after_round: i64,
    /// ISO 8601.
    pub due_date: Option<String>,
    /// JSON: the uplift's delta, or the product change declared.
    pub details: String,
    pub created_by: String,
    pub created_at: i64,
}

const COLUMNS: &str = "id, scal_id, kind, reason, after_round, due_date, details, created_by, created_at";

fn from_row(row: &AnyRow) -> Result<ReopeningRecord> {
    Ok(ReopeningRecord {
        id: text(row, "id")?,
        scal_id: text(row, "scal_id")?,
        kind: text(row, "kind")?,
        reason: text(row, "reason")?,
        after_round: int(row, "after_round")?,
        due_date: opt_text(row, "due_date")?,
        details: text(row, "details")?,
        created_by: text(row, "created_by")?,
        created_at: int(row, "created_at")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, r: &ReopeningRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO reopenings ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(r.id.as_str())
    .bind(r.scal_id.as_str())
    .bind(r.kind.as_str())
    .bind(r.reason.as_str())
    .bind(r.after_round)
    .bind(r.due_date.as_deref())
    .bind(r.details.as_str())
    .bind(r.created_by.as_str())
    .bind(r.created_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// A SCAL's reopenings, oldest first.
pub async fn for_scal<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<ReopeningRecord>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM reopenings WHERE scal_id = $1 ORDER BY created_at, id"
    ))
    .bind(scal_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Every reopening with a due date, for reminders and impact pages.
pub async fn all<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<ReopeningRecord>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM reopenings ORDER BY created_at, id"))
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReopenedItem {
    pub reopening_id: String,
    pub scal_id: String,
    pub sheet: String,
    pub requirement_id: String,
    /// What changed, in words.
    pub what: String,
    pub confirmed_at: Option<i64>,
    pub confirmed_by: Option<String>,
}

pub async fn insert_item<'e>(ex: impl Executor<'e, Database = Any>, i: &ReopenedItem) -> Result<()> {
    sqlx::query(
        "INSERT INTO reopened_items (reopening_id, scal_id, sheet, requirement_id, what, confirmed_at, confirmed_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(i.reopening_id.as_str())
    .bind(i.scal_id.as_str())
    .bind(i.sheet.as_str())
    .bind(i.requirement_id.as_str())
    .bind(i.what.as_str())
    .bind(i.confirmed_at)
    .bind(i.confirmed_by.as_deref())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn items<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<ReopenedItem>> {
    let rows = sqlx::query(
        "SELECT reopening_id, scal_id, sheet, requirement_id, what, confirmed_at, confirmed_by FROM reopened_items \
         WHERE scal_id = $1 ORDER BY sheet, requirement_id",
    )
    .bind(scal_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ReopenedItem {
                reopening_id: text(r, "reopening_id")?,
                scal_id: text(r, "scal_id")?,
                sheet: text(r, "sheet")?,
                requirement_id: text(r, "requirement_id")?,
                what: text(r, "what")?,
                confirmed_at: opt_int(r, "confirmed_at")?,
                confirmed_by: opt_text(r, "confirmed_by")?,
            })
        })
        .collect()
}

/// Confirms every unconfirmed flag on one requirement; how many were confirmed.
pub async fn confirm_item<'e>(
    ex: impl Executor<'e, Database = Any>,
    scal_id: &str,
    sheet: &str,
    requirement_id: &str,
    by: &str,
    at: i64,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE reopened_items SET confirmed_at = $1, confirmed_by = $2 \
         WHERE scal_id = $3 AND sheet = $4 AND requirement_id = $5 AND confirmed_at IS NULL",
    )
    .bind(at)
    .bind(by)
    .bind(scal_id)
    .bind(sheet)
    .bind(requirement_id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReopenedSheet {
    pub reopening_id: String,
    pub scal_id: String,
    pub sheet: String,
    pub confirmed_at: Option<i64>,
    pub confirmed_by: Option<String>,
}

pub async fn insert_sheet<'e>(ex: impl Executor<'e, Database = Any>, s: &ReopenedSheet) -> Result<()> {
    sqlx::query(
        "INSERT INTO reopened_sheets (reopening_id, scal_id, sheet, confirmed_at, confirmed_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(s.reopening_id.as_str())
    .bind(s.scal_id.as_str())
    .bind(s.sheet.as_str())
    .bind(s.confirmed_at)
    .bind(s.confirmed_by.as_deref())
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn sheets<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<ReopenedSheet>> {
    let rows = sqlx::query(
        "SELECT reopening_id, scal_id, sheet, confirmed_at, confirmed_by FROM reopened_sheets WHERE scal_id = $1 \
         ORDER BY sheet",
    )
    .bind(scal_id)
    .fetch_all(ex)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ReopenedSheet {
                reopening_id: text(r, "reopening_id")?,
                scal_id: text(r, "scal_id")?,
                sheet: text(r, "sheet")?,
                confirmed_at: opt_int(r, "confirmed_at")?,
                confirmed_by: opt_text(r, "confirmed_by")?,
            })
        })
        .collect()
}

/// Confirms a reopened sheet; how many flags were confirmed.
pub async fn confirm_sheet<'e>(
    ex: impl Executor<'e, Database = Any>,
    scal_id: &str,
    sheet: &str,
    by: &str,
    at: i64,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE reopened_sheets SET confirmed_at = $1, confirmed_by = $2 \
         WHERE scal_id = $3 AND sheet = $4 AND confirmed_at IS NULL",
    )
    .bind(at)
    .bind(by)
    .bind(scal_id)
    .bind(sheet)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

/// Follows a sheet renamed by an uplift, so its flags still name it.
pub async fn rename_sheet(tx: &mut sqlx::AnyConnection, scal_id: &str, old: &str, new: &str) -> Result<()> {
    for table in ["reopened_items", "reopened_sheets"] {
        sqlx::query(&format!(
            "UPDATE {table} SET sheet = $1 WHERE scal_id = $2 AND sheet = $3"
        ))
        .bind(new)
        .bind(scal_id)
        .bind(old)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
