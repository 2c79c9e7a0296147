use scal_domain::user::{Email, NewUser, Role};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{boolean, flag, int, parsed, text};
use crate::{Result, Tx};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserRecord {
    pub id: String,
    pub org_id: String,
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub created_at: i64,
}

const COLUMNS: &str = "id, org_id, email, name, role, active, created_at";

pub(crate) fn from_row(row: &AnyRow) -> Result<UserRecord> {
    Ok(UserRecord {
        id: text(row, "id")?,
        org_id: text(row, "org_id")?,
        email: parsed(row, "email", Email::parse)?,
        name: text(row, "name")?,
        role: parsed(row, "role", Role::parse)?,
        active: boolean(row, "active")?,
        created_at: int(row, "created_at")?,
    })
}

pub async fn insert<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    org_id: &str,
    user: &NewUser,
    password_hash: &str,
    at: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, org_id, email, name, role, password_hash, active, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(org_id)
    .bind(user.email.as_str())
    .bind(user.name.as_str())
    .bind(user.role.as_str())
    .bind(password_hash)
    .bind(flag(true))
    .bind(at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn update<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    name: &str,
    role: Role,
    active: bool,
) -> Result<()> {
    sqlx::query("UPDATE users SET name = $1, role = $2, active = $3 WHERE id = $4")
        .bind(name)
        .bind(role.as_str())
        .bind(flag(active))
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Replaces the password hash (the caller has checked the new password and ends the sessions).
pub async fn set_password_hash<'e>(ex: impl Executor<'e, Database = Any>, id: &str, password_hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// The password hash of a user, for checking their current password.
pub async fn password_hash<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<String>> {
    sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(|row| text(row, "password_hash"))
        .transpose()
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn get_by_email<'e>(ex: impl Executor<'e, Database = Any>, email: &str) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
    sqlx::query(&sql)
        .bind(email)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The user and their password hash, for signing in.
pub async fn credentials<'e>(
    ex: impl Executor<'e, Database = Any>,
    email: &str,
) -> Result<Option<(UserRecord, String)>> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE email = $1");
    match sqlx::query(&sql).bind(email).fetch_optional(ex).await? {
        Some(row) => Ok(Some((from_row(&row)?, text(&row, "password_hash")?))),
        None => Ok(None),
    }
}

pub async fn list_in_org<'e>(ex: impl Executor<'e, Database = Any>, org_id: &str) -> Result<Vec<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE org_id = $1 ORDER BY name, email");
    sqlx::query(&sql)
        .bind(org_id)
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Reads the row inside `tx`, locked until it ends (see [`Tx::for_update`]).
pub async fn get_locked(tx: &mut Tx, id: &str) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1{}", tx.for_update());
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Active users with `role`, across organisations (who to tell about something).
pub async fn active_with_role<'e>(ex: impl Executor<'e, Database = Any>, role: Role) -> Result<Vec<UserRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE role = $1 AND active = 1 ORDER BY email");
    sqlx::query(&sql)
        .bind(role.as_str())
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}
