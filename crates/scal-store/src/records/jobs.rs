//! Scheduled jobs with their leases, the reminders already sent, and the dated facts reminders
//! are about (information-sheet dates, red items' target dates).

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_int, opt_text, text};
use crate::{Result, Tx};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobRecord {
    pub name: String,
    pub next_run_at: i64,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<i64>,
    pub last_run_at: Option<i64>,
    pub last_run_by: Option<String>,
    pub last_outcome: Option<String>,
}

fn job_from_row(row: &AnyRow) -> Result<JobRecord> {
    Ok(JobRecord {
        name: text(row, "name")?,
        next_run_at: int(row, "next_run_at")?,
        lease_owner: opt_text(row, "lease_owner")?,
        lease_expires_at: opt_int(row, "lease_expires_at")?,
        last_run_at: opt_int(row, "last_run_at")?,
        last_run_by: opt_text(row, "last_run_by")?,
        last_outcome: opt_text(row, "last_outcome")?,
    })
}

/// Adds a job's row, due at `at`, unless it has one.
pub async fn ensure<'e>(ex: impl Executor<'e, Database = Any>, name: &str, at: i64) -> Result<()> {
    sqlx::query("INSERT INTO jobs (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(at)
        .execute(ex)
        .await?;
    Ok(())
}

/// Takes the job's lease for `owner` until `lease_until` when it is due at `now` (or `any_time`)
/// and nobody holds an unexpired lease. On PostgreSQL the row is read `FOR UPDATE SKIP LOCKED`,
/// so an instance never waits on another claiming the same job: it moves on. True when claimed.
pub async fn claim(tx: &mut Tx, name: &str, owner: &str, now: i64, lease_until: i64, any_time: bool) -> Result<bool> {
    let due = if any_time { "" } else { " AND next_run_at <= $3" };
    let sql = format!(
        "SELECT name FROM jobs WHERE name = $1 AND (lease_expires_at IS NULL OR lease_expires_at <= $2){due}{}",
        tx.for_update_skip_locked()
    );
    let mut query = sqlx::query(&sql).bind(name).bind(now);
    if !any_time {
        query = query.bind(now);
    }
    if query.fetch_optional(tx.conn()).await?.is_none() {
        return Ok(false);
    }
    let done = sqlx::query("UPDATE jobs SET lease_owner = $1, lease_expires_at = $2 WHERE name = $3")
        .bind(owner)
        .bind(lease_until)
        .bind(name)
        .execute(tx.conn())
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a run by the lease's `owner` and lets the lease go. False when the lease was no longer
/// this owner's (it expired and another instance took it).
pub async fn finish<'e>(
    ex: impl Executor<'e, Database = Any>,
    name: &str,
    owner: &str,
    at: i64,
    next_run_at: i64,
    outcome: &str,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET next_run_at = $1, lease_owner = NULL, lease_expires_at = NULL, last_run_at = $2, \
         last_run_by = $3, last_outcome = $4 WHERE name = $5 AND lease_owner = $6",
    )
    .bind(next_run_at)
    .bind(at)
    .bind(owner)
    .bind(outcome)
    .bind(name)
    .bind(owner)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn list<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<JobRecord>> {
    let rows = sqlx::query(
        "SELECT name, next_run_at, lease_owner, lease_expires_at, last_run_at, last_run_by, last_outcome \
         FROM jobs ORDER BY name",
    )
    .fetch_all(ex)
    .await?;
    rows.iter().map(job_from_row).collect()
}

/// Records that the reminder `(subject_key, threshold)` is sent, unless it already was. True when
/// this call recorded it: the caller then sends it in the same transaction, and otherwise sends
/// nothing. On PostgreSQL a second instance inserting the same key waits for the first to commit
/// and then inserts nothing.
pub async fn record_sent<'e>(
    ex: impl Executor<'e, Database = Any>,
    subject_key: &str,
    threshold: &str,
    at: i64,
    recipients: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO sent_reminders (subject_key, threshold, sent_at, recipients) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (subject_key, threshold) DO NOTHING",
    )
    .bind(subject_key)
    .bind(threshold)
    .bind(at)
    .bind(recipients)
    .execute(ex)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the reminder was sent.
pub async fn was_sent<'e>(ex: impl Executor<'e, Database = Any>, subject_key: &str, threshold: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT sent_at FROM sent_reminders WHERE subject_key = $1 AND threshold = $2")
            .bind(subject_key)
            .bind(threshold)
            .fetch_optional(ex)
            .await?
            .is_some(),
    )
}

/// Every reminder sent: `(subject key, threshold, sent at)`, in the order sent.
pub async fn sent<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query("SELECT subject_key, threshold, sent_at FROM sent_reminders ORDER BY sent_at, subject_key")
        .fetch_all(ex)
        .await?;
    rows.iter()
        .map(|row| Ok((text(row, "subject_key")?, text(row, "threshold")?, int(row, "sent_at")?)))
        .collect()
}

/// One dated answer of a SCAL: an information-sheet date, or a red item's target date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedAnswer {
    pub scal_id: String,
    pub product_id: String,
    pub sheet: String,
    pub requirement_id: String,
    /// The answer (the date itself for an information-sheet date).
    pub response: Option<String>,
    pub target_date: Option<String>,
}

fn dated_from_row(row: &AnyRow) -> Result<DatedAnswer> {
    Ok(DatedAnswer {
        scal_id: text(row, "scal_id")?,
        product_id: text(row, "product_id")?,
        sheet: text(row, "name")?,
        requirement_id: text(row, "requirement_id")?,
        response: opt_text(row, "response")?,
        target_date: opt_text(row, "target_date")?,
    })
}

/// Every SCAL's answers to these questions (the information sheet's DSPT and penetration-test
/// dates), as stored.
pub async fn answers_to<'e>(
    ex: impl Executor<'e, Database = Any>,
    first: &str,
    second: &str,
) -> Result<Vec<DatedAnswer>> {
    let rows = sqlx::query(
        "SELECT sh.scal_id, s.product_id, sh.name, a.requirement_id, a.response, a.target_date \
         FROM answers a JOIN scal_sheets sh ON sh.id = a.scal_sheet_id JOIN scals s ON s.id = sh.scal_id \
         WHERE a.requirement_id IN ($1, $2) AND a.response IS NOT NULL ORDER BY sh.scal_id, a.requirement_id",
    )
    .bind(first)
    .bind(second)
    .fetch_all(ex)
    .await?;
    rows.iter().map(dated_from_row).collect()
}

/// Every answer No with a target date (a red item's mitigation date).
pub async fn target_dates<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<DatedAnswer>> {
    let rows = sqlx::query(
        "SELECT sh.scal_id, s.product_id, sh.name, a.requirement_id, a.response, a.target_date \
         FROM answers a JOIN scal_sheets sh ON sh.id = a.scal_sheet_id JOIN scals s ON s.id = sh.scal_id \
         WHERE a.response = 'No' AND a.target_date IS NOT NULL AND a.target_date <> '' \
         ORDER BY sh.scal_id, sh.position, a.requirement_id",
    )
    .fetch_all(ex)
    .await?;
    rows.iter().map(dated_from_row).collect()
}

/// Every SCAL with a certificate (the conditions reminders read the latest).
pub async fn certified_scals<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT DISTINCT scal_id FROM certificates ORDER BY scal_id")
        .fetch_all(ex)
        .await?;
    rows.iter().map(|row| text(row, "scal_id")).collect()
}

/// A SCAL's answer to one question (on whichever sheet holds it), as stored.
pub async fn answer_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    scal_id: &str,
    requirement_id: &str,
) -> Result<Option<String>> {
    let row = sqlx::query(
        "SELECT a.response FROM answers a JOIN scal_sheets sh ON sh.id = a.scal_sheet_id \
         WHERE sh.scal_id = $1 AND a.requirement_id = $2 AND a.response IS NOT NULL",
    )
    .bind(scal_id)
    .bind(requirement_id)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(|r| text(r, "response")).transpose()
}
