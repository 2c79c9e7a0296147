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

/// Ends every session of a user; how many there were.
pub async fn delete_for_user<'e>(ex: impl Executor<'e, Database = Any>, user_id: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
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
    client: &str,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO login_failures (id, email, client, at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(email)
        .bind(client)
        .bind(at)
        .execute(ex)
        .await?;
    Ok(())
}

/// Uncounts one attempt (its password was never checked).
pub async fn forget_login_failure<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE id = $1")
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Failed sign-ins since `since`, oldest first, for each scope of an attempt on `email` from
/// `client`, and whether the account was signed in to from `client` since `known_since`.
pub async fn login_failures_since(
    conn: &mut crate::Conn,
    email: &str,
    client: &str,
    since: i64,
    known_since: i64,
) -> Result<scal_domain::signin::Failures> {
    async fn times(conn: &mut crate::Conn, sql: &str, binds: &[&str], since: i64) -> Result<Vec<i64>> {
        let mut query = sqlx::query(sql);
        for bind in binds {
            query = query.bind(*bind);
        }
        let rows = query.bind(since).fetch_all(&mut *conn).await?;
        rows.iter().map(|row| int(row, "at")).collect()
    }
    let account_and_client = times(
        conn,
        "SELECT at FROM login_failures WHERE email = $1 AND client = $2 AND at > $3 ORDER BY at",
        &[email, client],
        since,
    )
    .await?;
    let client_times = times(
        conn,
        "SELECT at FROM login_failures WHERE client = $1 AND at > $2 ORDER BY at",
        &[client],
        since,
    )
    .await?;
    let account = times(
        conn,
        "SELECT at FROM login_failures WHERE email = $1 AND at > $2 ORDER BY at",
        &[email],
        since,
    )
    .await?;
    let known_client = is_known_address(&mut *conn, &signin_subject(email), client, known_since).await?;
    Ok(scal_domain::signin::Failures {
        account_and_client,
        client: client_times,
        account,
        known_client,
    })
}

/// A successful sign-in forgets the failures of that account from that address only: other
/// addresses' failures still count against the account.
pub async fn clear_login_failures<'e>(ex: impl Executor<'e, Database = Any>, email: &str, client: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1 AND client = $2")
        .bind(email)
        .bind(client)
        .execute(ex)
        .await?;
    Ok(())
}

/// Forgets every failure of an account (its password was just reset by an administrator).
pub async fn clear_all_login_failures<'e>(ex: impl Executor<'e, Database = Any>, email: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE email = $1")
        .bind(email)
        .execute(ex)
        .await?;
    Ok(())
}

/// The `known_addresses` subject for sign-ins to an account.
pub fn signin_subject(email: &str) -> String {
    format!("signin:{email}")
}

/// The `known_addresses` subject for an API token.
pub fn token_subject(token_id: &str) -> String {
    format!("token:{token_id}")
}

/// Whether `subject` was used from `client` at or after `since`.
pub async fn is_known_address<'e>(
    ex: impl Executor<'e, Database = Any>,
    subject: &str,
    client: &str,
    since: i64,
) -> Result<bool> {
    let row = sqlx::query("SELECT last_at FROM known_addresses WHERE subject = $1 AND client = $2 AND last_at >= $3")
        .bind(subject)
        .bind(client)
        .bind(since)
        .fetch_optional(ex)
        .await?;
    Ok(row.is_some())
}

/// Records a use of `subject` from `client`; true when the address was new to it. Concurrent first
/// uses from one address insert once (`ON CONFLICT DO NOTHING`, on both databases), so exactly one
/// of them sees it as new.
pub async fn remember_address(conn: &mut crate::Conn, subject: &str, client: &str, at: i64) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO known_addresses (subject, client, first_at, last_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (subject, client) DO NOTHING",
    )
    .bind(subject)
    .bind(client)
    .bind(at)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted > 0 {
        return Ok(true);
    }
    sqlx::query("UPDATE known_addresses SET last_at = $1 WHERE subject = $2 AND client = $3")
        .bind(at)
        .bind(subject)
        .bind(client)
        .execute(&mut *conn)
        .await?;
    Ok(false)
}
