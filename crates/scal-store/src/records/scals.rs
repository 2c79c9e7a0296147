//! A product's SCAL: its sheets (from template versions) and the answers given.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{boolean, flag, int, opt_int, opt_text, text};
use crate::{Result, Tx};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScalSheetRecord {
    pub id: String,
    pub scal_id: String,
    pub template_version_id: String,
    pub name: String,
    pub position: i64,
    /// The service the sheet was issued for; `None` for the information sheet.
    pub service_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScalRecord {
    pub id: String,
    pub product_id: String,
    /// The information sheet must be confirmed again before the next submission.
    pub information_review: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScopedOutRecord {
    pub scal_sheet_id: String,
    pub requirement_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AnswerRecord {
    pub scal_sheet_id: String,
    pub requirement_id: String,
    pub response: Option<String>,
    pub justification: Option<String>,
    pub mitigation: Option<String>,
    /// A red item's target date for its mitigation.
    pub target_date: Option<String>,
    pub updated_at: i64,
    pub updated_by: String,
    /// The export stamp (microseconds) of the workbook whose import last wrote this answer, with
    /// `updated_by` importing it; `None` when it was last written any other way. Answer import
    /// does not count its own earlier import of the same workbook as a conflict.
    pub imported_from: Option<i64>,
}

pub async fn scal_for_product<'e>(ex: impl Executor<'e, Database = Any>, product_id: &str) -> Result<Option<String>> {
    let row = sqlx::query("SELECT id FROM scals WHERE product_id = $1")
        .bind(product_id)
        .fetch_optional(ex)
        .await?;
    row.map(|r| text(&r, "id")).transpose()
}

pub async fn insert_scal<'e>(ex: impl Executor<'e, Database = Any>, id: &str, product_id: &str, at: i64) -> Result<()> {
    sqlx::query("INSERT INTO scals (id, product_id, created_at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(product_id)
        .bind(at)
        .execute(ex)
        .await?;
    Ok(())
}

fn sheet_from_row(row: &AnyRow) -> Result<ScalSheetRecord> {
    Ok(ScalSheetRecord {
        id: text(row, "id")?,
        scal_id: text(row, "scal_id")?,
        template_version_id: text(row, "template_version_id")?,
        name: text(row, "name")?,
        position: int(row, "position")?,
        service_code: opt_text(row, "service_code")?,
    })
}

pub async fn sheets<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<ScalSheetRecord>> {
    sqlx::query(
        "SELECT id, scal_id, template_version_id, name, position, service_code FROM scal_sheets WHERE scal_id = $1 ORDER BY position",
    )
    .bind(scal_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(sheet_from_row)
    .collect()
}

pub async fn insert_sheet<'e>(ex: impl Executor<'e, Database = Any>, sheet: &ScalSheetRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO scal_sheets (id, scal_id, template_version_id, name, position, service_code) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(sheet.id.as_str())
    .bind(sheet.scal_id.as_str())
    .bind(sheet.template_version_id.as_str())
    .bind(sheet.name.as_str())
    .bind(sheet.position)
    .bind(sheet.service_code.clone())
    .execute(ex)
    .await?;
    Ok(())
}

fn answer_from_row(row: &AnyRow) -> Result<AnswerRecord> {
    Ok(AnswerRecord {
        scal_sheet_id: text(row, "scal_sheet_id")?,
        requirement_id: text(row, "requirement_id")?,
        response: opt_text(row, "response")?,
        justification: opt_text(row, "justification")?,
        mitigation: opt_text(row, "mitigation")?,
        target_date: opt_text(row, "target_date")?,
        updated_at: int(row, "updated_at")?,
        updated_by: text(row, "updated_by")?,
        imported_from: opt_int(row, "imported_from")?,
    })
}

/// In [`AnswerRecord`]'s field order: the aggregated read depends on it.
const ANSWER_COLUMNS: &str =
    "a.scal_sheet_id, a.requirement_id, a.response, a.justification, a.mitigation, a.target_date, a.updated_at, \
     a.updated_by, a.imported_from";

/// Every answer in the SCAL, in one row: a JSON array of arrays, aggregated by the database.
///
/// A SCAL has hundreds of answers, read on every view of it and every save. Read a row at a time,
/// the driver's work per row cost more than the query: on SQLite each row is copied out of the
/// statement, handed from the connection's worker thread to the request's task through a channel
/// (a wake-up and often a context switch each), then copied again into a driver-neutral row, and
/// profiles showed that under 10% of the time went to SQLite itself (docs/benchmarks.md, "Cost
/// per request"). As one value, the rows cross once and are parsed in one pass.
pub async fn answers(conn: &mut crate::Conn, scal_id: &str) -> Result<Vec<AnswerRecord>> {
    aggregated_answers(conn, scal_id, None).await
}

/// The answers of one of the SCAL's sheets (none if the sheet is not the SCAL's), as [`answers`].
pub async fn answers_of_sheet(conn: &mut crate::Conn, scal_id: &str, sheet_id: &str) -> Result<Vec<AnswerRecord>> {
    aggregated_answers(conn, scal_id, Some(sheet_id)).await
}

async fn aggregated_answers(
    conn: &mut crate::Conn,
    scal_id: &str,
    sheet_id: Option<&str>,
) -> Result<Vec<AnswerRecord>> {
    let columns = ANSWER_COLUMNS;
    let aggregate = if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        format!("json_agg(json_build_array({columns}))::text")
    } else {
        format!("json_group_array(json_array({columns}))")
    };
    let sheet = if sheet_id.is_some() { " AND s.id = $2" } else { "" };
    let sql = format!(
        "SELECT {aggregate} AS answers FROM answers a JOIN scal_sheets s ON s.id = a.scal_sheet_id \
         WHERE s.scal_id = $1{sheet}"
    );
    let mut query = sqlx::query(&sql).bind(scal_id);
    if let Some(sheet_id) = sheet_id {
        query = query.bind(sheet_id);
    }
    let row = query.fetch_one(&mut *conn).await?;
    // PostgreSQL's aggregate of no rows is NULL; SQLite's is `[]`.
    let Some(json) = opt_text(&row, "answers")? else {
        return Ok(Vec::new());
    };
    // Each element is an array in `ANSWER_COLUMNS` order, which is the record's field order:
    // serde reads a struct from a sequence of its fields.
    serde_json::from_str(&json).map_err(|e| crate::StoreError::Corrupt(format!("the answers of SCAL {scal_id}: {e}")))
}

/// Every answer in the SCAL, read inside `tx` and locked against concurrent changes.
pub async fn answers_locked(tx: &mut Tx, scal_id: &str) -> Result<Vec<AnswerRecord>> {
    let lock = format!("SELECT id FROM scals WHERE id = $1{}", tx.for_update());
    sqlx::query(&lock).bind(scal_id).fetch_optional(tx.conn()).await?;
    answers(tx.conn(), scal_id).await
}

pub async fn upsert_answer(tx: &mut Tx, answer: &AnswerRecord) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE answers SET response = $1, justification = $2, mitigation = $3, target_date = $4, updated_at = $5, \
         updated_by = $6, imported_from = $7 WHERE scal_sheet_id = $8 AND requirement_id = $9",
    )
    .bind(answer.response.clone())
    .bind(answer.justification.clone())
    .bind(answer.mitigation.clone())
    .bind(answer.target_date.clone())
    .bind(answer.updated_at)
    .bind(answer.updated_by.as_str())
    .bind(answer.imported_from)
    .bind(answer.scal_sheet_id.as_str())
    .bind(answer.requirement_id.as_str())
    .execute(tx.conn())
    .await?;
    if updated.rows_affected() == 0 {
        sqlx::query(
            "INSERT INTO answers (scal_sheet_id, requirement_id, response, justification, mitigation, target_date, \
             updated_at, updated_by, imported_from) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(answer.scal_sheet_id.as_str())
        .bind(answer.requirement_id.as_str())
        .bind(answer.response.clone())
        .bind(answer.justification.clone())
        .bind(answer.mitigation.clone())
        .bind(answer.target_date.clone())
        .bind(answer.updated_at)
        .bind(answer.updated_by.as_str())
        .bind(answer.imported_from)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

fn scal_from_row(row: &AnyRow) -> Result<ScalRecord> {
    Ok(ScalRecord {
        id: text(row, "id")?,
        product_id: text(row, "product_id")?,
        information_review: boolean(row, "information_review")?,
        created_at: int(row, "created_at")?,
    })
}

/// Every SCAL's ID.
pub async fn all_ids<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT id FROM scals ORDER BY id").fetch_all(ex).await?;
    rows.iter().map(|row| text(row, "id")).collect()
}

pub async fn get_scal<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<ScalRecord>> {
    sqlx::query("SELECT id, product_id, information_review, created_at FROM scals WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(scal_from_row)
        .transpose()
}

/// The SCAL row, read inside `tx` and locked: changes to a SCAL's answers, sheets and
/// submissions serialise on it.
pub async fn lock_scal(tx: &mut Tx, id: &str) -> Result<Option<ScalRecord>> {
    let sql = format!(
        "SELECT id, product_id, information_review, created_at FROM scals WHERE id = $1{}",
        tx.for_update()
    );
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .as_ref()
        .map(scal_from_row)
        .transpose()
}

pub async fn set_information_review<'e>(ex: impl Executor<'e, Database = Any>, id: &str, review: bool) -> Result<()> {
    sqlx::query("UPDATE scals SET information_review = $1 WHERE id = $2")
        .bind(flag(review))
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn insert_scoped_out<'e>(ex: impl Executor<'e, Database = Any>, s: &ScopedOutRecord) -> Result<()> {
    sqlx::query("INSERT INTO scoped_out (scal_sheet_id, requirement_id, reason) VALUES ($1, $2, $3)")
        .bind(s.scal_sheet_id.as_str())
        .bind(s.requirement_id.as_str())
        .bind(s.reason.as_str())
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn scoped_out<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<ScopedOutRecord>> {
    sqlx::query(
        "SELECT o.scal_sheet_id, o.requirement_id, o.reason FROM scoped_out o JOIN scal_sheets s ON s.id = o.scal_sheet_id \
         WHERE s.scal_id = $1 ORDER BY o.requirement_id",
    )
    .bind(scal_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(|row| {
        Ok(ScopedOutRecord {
            scal_sheet_id: text(row, "scal_sheet_id")?,
            requirement_id: text(row, "requirement_id")?,
            reason: text(row, "reason")?,
        })
    })
    .collect()
}

/// One answer, if given.
pub async fn answer<'e>(
    ex: impl Executor<'e, Database = Any>,
    scal_sheet_id: &str,
    requirement_id: &str,
) -> Result<Option<AnswerRecord>> {
    let sql = format!("SELECT {ANSWER_COLUMNS} FROM answers a WHERE a.scal_sheet_id = $1 AND a.requirement_id = $2");
    sqlx::query(&sql)
        .bind(scal_sheet_id)
        .bind(requirement_id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(answer_from_row)
        .transpose()
}

/// Moves an issued sheet to another version of its template (an uplift), under its name there.
pub async fn set_sheet_version<'e>(
    ex: impl Executor<'e, Database = Any>,
    sheet_id: &str,
    version_id: &str,
    name: &str,
) -> Result<()> {
    sqlx::query("UPDATE scal_sheets SET template_version_id = $1, name = $2 WHERE id = $3")
        .bind(version_id)
        .bind(name)
        .bind(sheet_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Every issued sheet from a version of the template, with the SCAL it belongs to, by SCAL.
pub async fn sheets_of_template<'e>(
    ex: impl Executor<'e, Database = Any>,
    template_id: &str,
) -> Result<Vec<ScalSheetRecord>> {
    sqlx::query(
        "SELECT s.id, s.scal_id, s.template_version_id, s.name, s.position, s.service_code FROM scal_sheets s \
         JOIN template_versions v ON v.id = s.template_version_id WHERE v.template_id = $1 ORDER BY s.scal_id, s.position",
    )
    .bind(template_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(sheet_from_row)
    .collect()
}

/// Removes one requirement's answer (a requirement an uplift removed; its answer is archived).
pub async fn delete_answer<'e>(
    ex: impl Executor<'e, Database = Any>,
    sheet_id: &str,
    requirement_id: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM answers WHERE scal_sheet_id = $1 AND requirement_id = $2")
        .bind(sheet_id)
        .bind(requirement_id)
        .execute(ex)
        .await?;
    Ok(())
}
