//! In-app notifications and the email outbox.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_int, opt_text, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NotificationRecord {
    pub id: String,
    pub user_id: String,
    pub at: i64,
    pub kind: String,
    pub message: String,
    pub link: String,
    pub read_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutboxRecord {
    pub id: String,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

fn notification_from_row(row: &AnyRow) -> Result<NotificationRecord> {
    Ok(NotificationRecord {
        id: text(row, "id")?,
        user_id: text(row, "user_id")?,
        at: int(row, "at")?,
        kind: text(row, "kind")?,
        message: text(row, "message")?,
        link: text(row, "link")?,
        read_at: opt_int(row, "read_at")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, n: &NotificationRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO notifications (id, user_id, at, kind, message, link, read_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(n.id.as_str())
    .bind(n.user_id.as_str())
    .bind(n.at)
    .bind(n.kind.as_str())
    .bind(n.message.as_str())
    .bind(n.link.as_str())
    .bind(n.read_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// A user's notifications, newest first.
pub async fn for_user<'e>(ex: impl Executor<'e, Database = Any>, user_id: &str) -> Result<Vec<NotificationRecord>> {
    sqlx::query(
        "SELECT id, user_id, at, kind, message, link, read_at FROM notifications WHERE user_id = $1 \
         ORDER BY at DESC, id",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(notification_from_row)
    .collect()
}

/// How many of a user's notifications are unread.
pub async fn unread_count<'e>(ex: impl Executor<'e, Database = Any>, user_id: &str) -> Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(ex)
        .await?;
    int(&row, "n")
}

/// One of a user's notifications (another user's is `None`, as an unknown one).
pub async fn get_for_user<'e>(
    ex: impl Executor<'e, Database = Any>,
    user_id: &str,
    id: &str,
) -> Result<Option<NotificationRecord>> {
    sqlx::query(
        "SELECT id, user_id, at, kind, message, link, read_at FROM notifications WHERE user_id = $1 AND id = $2",
    )
    .bind(user_id)
    .bind(id)
    .fetch_optional(ex)
    .await?
    .as_ref()
    .map(notification_from_row)
    .transpose()
}

/// Marks one notification read (once: the first time it is opened).
pub async fn mark_one_read<'e>(ex: impl Executor<'e, Database = Any>, user_id: &str, id: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND id = $3 AND read_at IS NULL")
        .bind(at)
        .bind(user_id)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn mark_all_read<'e>(ex: impl Executor<'e, Database = Any>, user_id: &str, at: i64) -> Result<u64> {
    Ok(
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(at)
            .bind(user_id)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}

pub async fn enqueue_email<'e>(ex: impl Executor<'e, Database = Any>, m: &OutboxRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (id, to_address, subject, body, created_at, sent_at, attempts, last_error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(m.id.as_str())
    .bind(m.to_address.as_str())
    .bind(m.subject.as_str())
    .bind(m.body.as_str())
    .bind(m.created_at)
    .bind(m.sent_at)
    .bind(m.attempts)
    .bind(m.last_error.clone())
    .execute(ex)
    .await?;
    Ok(())
}

/// Every email in the outbox, oldest first.
pub async fn outbox<'e>(ex: impl Executor<'e, Database = Any>, unsent_only: bool) -> Result<Vec<OutboxRecord>> {
    let filter = if unsent_only { " WHERE sent_at IS NULL" } else { "" };
    sqlx::query(&format!(
        "SELECT id, to_address, subject, body, created_at, sent_at, attempts, last_error FROM outbox{filter} \
         ORDER BY created_at, id"
    ))
    .fetch_all(ex)
    .await?
    .iter()
    .map(|row| {
        Ok(OutboxRecord {
            id: text(row, "id")?,
            to_address: text(row, "to_address")?,
            subject: text(row, "subject")?,
            body: text(row, "body")?,
            created_at: int(row, "created_at")?,
            sent_at: opt_int(row, "sent_at")?,
            attempts: int(row, "attempts")?,
            last_error: opt_text(row, "last_error")?,
        })
    })
    .collect()
}

/// Claims a message for sending: true when this caller may send it (unsent, and not claimed by
/// another sender since `stale_before`).
pub async fn claim<'e>(ex: impl Executor<'e, Database = Any>, id: &str, at: i64, stale_before: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE outbox SET claimed_at = $1 WHERE id = $2 AND sent_at IS NULL \
         AND (claimed_at IS NULL OR claimed_at < $3)",
    )
    .bind(at)
    .bind(id)
    .bind(stale_before)
    .execute(ex)
    .await?
    .rows_affected()
        == 1)
}

/// Records a send attempt and releases the claim: sent when `error` is `None`.
/// Replaces a message's body (to remove a one-time secret once it has been sent).
pub async fn replace_body<'e>(ex: impl Executor<'e, Database = Any>, id: &str, body: &str) -> Result<()> {
    sqlx::query("UPDATE outbox SET body = $1 WHERE id = $2")
        .bind(body)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn mark_attempt<'e>(
    ex: impl Executor<'e, Database = Any>,
    id: &str,
    at: i64,
    error: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, sent_at = CASE WHEN $1 IS NULL THEN $2 ELSE NULL END, \
         last_error = $3, claimed_at = NULL WHERE id = $4",
    )
    .bind(error.map(str::to_string))
    .bind(at)
    .bind(error.map(str::to_string))
    .bind(id)
    .execute(ex)
    .await?;
    Ok(())
}
