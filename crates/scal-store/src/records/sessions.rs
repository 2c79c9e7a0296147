//! Browser sessions, kept in the database so several server instances share them. Only a hash of
//! the cookie value is stored.

use sqlx::{Any, Executor};

use crate::rows::{int, text};
use crate::{Result, UserRecord};

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user: UserRecord,
    pub csrf_token: String,
    pub expires_at: i64,
}

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
    user_id: &str,
    csrf_token: &str,
    at: i64,
    expires_at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(csrf_token)
    .bind(at)
    .bind(expires_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// The live session with this hash and its active user, if any.
pub async fn find_live<'e>(
    ex: impl Executor<'e, Database = Any>,
    token_hash: &str,
    now: i64,
) -> Result<Option<SessionRecord>> {
    let row = sqlx::query(
        "SELECT u.id, u.org_id, u.email, u.name, u.role, u.active, u.created_at, s.csrf_token, s.expires_at \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = $3",
    )
    .bind(token_hash)
    .bind(now)
    .bind(crate::rows::flag(true))
    .fetch_optional(ex)
    .await?;
    match row {
        Some(row) => Ok(Some(SessionRecord {
            user: crate::records::users::from_row(&row)?,
            csrf_token: text(&row, "csrf_token")?,
            expires_at: int(&row, "expires_at")?,
        })),
        None => Ok(None),
    }
}

pub async fn delete<'e>(ex: impl Executor<'e, Database = Any>, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn delete_for_user<'e>(ex: impl Executor<'e, Database = Any>, user_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Ends every session of the user but the one with `keep_hash` (the browser that changed the
/// password); returns how many ended.
pub async fn delete_for_user_except<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    keep_hash: &str,
) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep_hash)
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete_expired<'e>(ex: impl Executor<'e, Database = Any>, now: i64) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(ex)
        .await?;
    Ok(())
}

/// Forgets attempts older than `before`, for every account, so the table stays small.
pub async fn forget_login_failures_before<'e>(ex: impl Executor<'e, Database = Any>, before: i64) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE at <= $1")
        .bind(before)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn record_login_failure<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    email: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO login_failures (id, email, at) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(email)
        .bind(at)
        .execute(ex)
        .await?;
    Ok(())
}

/// Times of failed sign-ins for `email` since `since`, oldest first.
pub async fn login_failures_since<'e>(
    ex: impl Executor<'e, Database = Any>,
    email: &str,
    since: i64,
) -> Result<Vec<i64>> {
    let rows = sqlx::query("SELECT at FROM login_failures WHERE email = $1 AND at > $2 ORDER BY at")
        .bind(email)
        .bind(since)
        .fetch_all(ex)
        .await?;
    rows.iter().map(|row| int(row, "at")).collect()
}

pub async fn clear_login_failures<'e>(ex: impl Executor<'e, Database = Any>, email: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(ex)
        .await?;
    Ok(())
}
