//! Password-reset links. Only a SHA-256 of the link's secret is stored, so a copy of the database
//! cannot be used to reset anyone's password.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_int, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PasswordResetRecord {
    pub id: String,
    pub user_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub ended_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, created_at, expires_at, used_at, ended_at";

fn from_row(row: &AnyRow) -> Result<PasswordResetRecord> {
    Ok(PasswordResetRecord {
        id: text(row, "id")?,
        user_id: text(row, "user_id")?,
        created_at: int(row, "created_at")?,
        expires_at: int(row, "expires_at")?,
        used_at: opt_int(row, "used_at")?,
        ended_at: opt_int(row, "ended_at")?,
    })
}

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    reset: &PasswordResetRecord,
    token_hash: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO password_resets (id, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(reset.id.as_str())
    .bind(token_hash)
    .bind(reset.user_id.as_str())
    .bind(reset.created_at)
    .bind(reset.expires_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// The link with this hash if it can still be used at `now`: not used, not ended, not expired.
pub async fn find_usable<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
    now: i64,
) -> Result<Option<PasswordResetRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM password_resets \
         WHERE token_hash = $1 AND used_at IS NULL AND ended_at IS NULL AND expires_at > $2"
    );
    sqlx::query(&sql)
        .bind(token_hash)
        .bind(now)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Marks the link used, unless it already was (or was ended); true when this call used it, so two
/// submissions of the same link cannot both succeed.
pub async fn mark_used<'e>(ex: impl Executor<'e, Database = Any>, id: &str, at: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE password_resets SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND ended_at IS NULL")
            .bind(at)
            .bind(id)
            .execute(ex)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends the user's links that are still open; returns how many.
pub async fn end_open_for_user<'e>(ex: impl Executor<'e, Database = Any>, user_id: &str, at: i64) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE password_resets SET ended_at = $1 WHERE user_id = $2 AND used_at IS NULL AND ended_at IS NULL",
    )
    .bind(at)
    .bind(user_id)
    .execute(ex)
    .await?;
    Ok(done.rows_affected())
}

/// Every link of a user, newest first (tests and operators).
pub async fn list_for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
) -> Result<Vec<PasswordResetRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM password_resets WHERE user_id = $1 ORDER BY created_at DESC, id");
    sqlx::query(&sql)
        .bind(user_id)
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}
