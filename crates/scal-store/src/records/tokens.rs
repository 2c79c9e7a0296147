//! API tokens. Only a SHA-256 of the secret is stored; the prefix identifies a token in lists.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_int, text};
use crate::{Result, Tx, UserRecord};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenRecord {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, user_id, name, prefix, created_at, last_used_at, revoked_at";

fn from_row(row: &AnyRow) -> Result<TokenRecord> {
    Ok(TokenRecord {
        id: text(row, "id")?,
        user_id: text(row, "user_id")?,
        name: text(row, "name")?,
        prefix: text(row, "prefix")?,
        created_at: int(row, "created_at")?,
        last_used_at: opt_int(row, "last_used_at")?,
        revoked_at: opt_int(row, "revoked_at")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, token: &TokenRecord, token_hash: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token.id.as_str())
    .bind(token.user_id.as_str())
    .bind(token.name.as_str())
    .bind(token.prefix.as_str())
    .bind(token_hash)
    .bind(token.created_at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn list_for_user<'e>(ex: impl Executor<'e, Database = Any>, user_id: &str) -> Result<Vec<TokenRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id");
    sqlx::query(&sql)
        .bind(user_id)
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<TokenRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Revokes the token unless it already was; true when this call revoked it.
pub async fn revoke<'e>(ex: impl Executor<'e, Database = Any>, id: &str, at: i64) -> Result<bool> {
    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// An unrevoked token's ID, when it was last used, and its active user.
#[derive(Debug, Clone)]
pub struct TokenUser {
    pub token_id: String,
    pub last_used_at: Option<i64>,
    pub user: UserRecord,
}

/// The active user behind an unrevoked token with this hash.
pub async fn find_user<'e>(ex: impl Executor<'e, Database = Any>, token_hash: &str) -> Result<Option<TokenUser>> {
    let row = sqlx::query(
        "SELECT t.id AS token_id, t.last_used_at, u.id, u.org_id, u.email, u.name, u.role, u.active, u.created_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = $2",
    )
    .bind(token_hash)
    .bind(crate::rows::flag(true))
    .fetch_optional(ex)
    .await?;
    match row {
        Some(row) => Ok(Some(TokenUser {
            token_id: text(&row, "token_id")?,
            last_used_at: opt_int(&row, "last_used_at")?,
            user: crate::records::users::from_row(&row)?,
        })),
        None => Ok(None),
    }
}

pub async fn touch<'e>(ex: impl Executor<'e, Database = Any>, id: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Reads the row inside `tx`, locked until it ends (see [`Tx::for_update`]).
pub async fn get_locked(tx: &mut Tx, id: &str) -> Result<Option<TokenRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1{}", tx.for_update());
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}
