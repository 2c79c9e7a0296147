//! NHS England's question threads on a SCAL, their messages, and its internal review notes.
//! Messages and notes are never changed once written; a thread is only ever marked resolved.

use scal_domain::thread::{Side, Subject};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_int, opt_text, text};
use crate::{Result, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRecord {
    pub id: String,
    pub scal_id: String,
    pub subject: Subject,
    /// Who opened it (the actor's label, as in the audit log).
    pub opened_by: String,
    pub opened_by_user: Option<String>,
    pub opened_at: i64,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub id: String,
    pub thread_id: String,
    /// 1, 2, ... in the order written.
    pub seq: i64,
    pub author_id: Option<String>,
    pub author_name: String,
    pub side: Side,
    pub body: String,
    /// The SCAL's latest submitted round when it was written (0 before any).
    pub round: i64,
    pub created_at: i64,
}

/// An internal note of NHS England's (never shown to the supplier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteRecord {
    pub id: String,
    pub scal_id: String,
    pub subject: Subject,
    pub author_id: Option<String>,
    pub author_name: String,
    pub body: String,
    pub round: i64,
    pub created_at: i64,
}

const THREAD_COLUMNS: &str = "id, scal_id, subject_kind, sheet, requirement_id, service_code, step, opened_by, \
                              opened_by_user, opened_at, resolved_by, resolved_at";
const MESSAGE_COLUMNS: &str = "id, thread_id, seq, author_id, author_name, side, body, round, created_at";
const NOTE_COLUMNS: &str = "id, scal_id, subject_kind, sheet, requirement_id, service_code, step, author_id, \
                            author_name, body, round, created_at";

fn subject(row: &AnyRow) -> Result<Subject> {
    let kind = text(row, "subject_kind")?;
    Subject::from_columns(
        &kind,
        opt_text(row, "sheet")?.as_deref(),
        opt_text(row, "requirement_id")?.as_deref(),
        opt_text(row, "service_code")?.as_deref(),
        opt_int(row, "step")?,
    )
    .map_err(|e| StoreError::Corrupt(format!("a review subject: {}", e.message)))
}

fn thread_from_row(row: &AnyRow) -> Result<ThreadRecord> {
    Ok(ThreadRecord {
        id: text(row, "id")?,
        scal_id: text(row, "scal_id")?,
        subject: subject(row)?,
        opened_by: text(row, "opened_by")?,
        opened_by_user: opt_text(row, "opened_by_user")?,
        opened_at: int(row, "opened_at")?,
        resolved_by: opt_text(row, "resolved_by")?,
        resolved_at: opt_int(row, "resolved_at")?,
    })
}

fn message_from_row(row: &AnyRow) -> Result<MessageRecord> {
    let side = text(row, "side")?;
    Ok(MessageRecord {
        id: text(row, "id")?,
        thread_id: text(row, "thread_id")?,
        seq: int(row, "seq")?,
        author_id: opt_text(row, "author_id")?,
        author_name: text(row, "author_name")?,
        side: Side::parse(&side).ok_or_else(|| StoreError::Corrupt(format!("a message's side is {side:?}")))?,
        body: text(row, "body")?,
        round: int(row, "round")?,
        created_at: int(row, "created_at")?,
    })
}

fn note_from_row(row: &AnyRow) -> Result<NoteRecord> {
    Ok(NoteRecord {
        id: text(row, "id")?,
        scal_id: text(row, "scal_id")?,
        subject: subject(row)?,
        author_id: opt_text(row, "author_id")?,
        author_name: text(row, "author_name")?,
        body: text(row, "body")?,
        round: int(row, "round")?,
        created_at: int(row, "created_at")?,
    })
}

pub async fn insert_thread<'e>(ex: impl Executor<'e, Database = Any>, t: &ThreadRecord) -> Result<()> {
    let (kind, sheet, requirement_id, service, step) = t.subject.columns();
    sqlx::query(&format!(
        "INSERT INTO review_threads ({THREAD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(t.id.as_str())
    .bind(t.scal_id.as_str())
    .bind(kind)
    .bind(sheet)
    .bind(requirement_id)
    .bind(service)
    .bind(step)
    .bind(t.opened_by.as_str())
    .bind(t.opened_by_user.clone())
    .bind(t.opened_at)
    .bind(t.resolved_by.clone())
    .bind(t.resolved_at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get_thread<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<ThreadRecord>> {
    sqlx::query(&format!("SELECT {THREAD_COLUMNS} FROM review_threads WHERE id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(thread_from_row)
        .transpose()
}

/// Reads the thread inside `tx`, locked until it ends (see [`Tx::for_update`]): messages and
/// resolving serialise on it.
pub async fn get_thread_locked(tx: &mut Tx, id: &str) -> Result<Option<ThreadRecord>> {
    let sql = format!(
        "SELECT {THREAD_COLUMNS} FROM review_threads WHERE id = $1{}",
        tx.for_update()
    );
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(tx.conn())
        .await?
        .as_ref()
        .map(thread_from_row)
        .transpose()
}

/// A SCAL's threads, oldest first.
pub async fn threads_for_scal<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<ThreadRecord>> {
    sqlx::query(&format!(
        "SELECT {THREAD_COLUMNS} FROM review_threads WHERE scal_id = $1 ORDER BY opened_at, id"
    ))
    .bind(scal_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(thread_from_row)
    .collect()
}

pub async fn mark_resolved<'e>(ex: impl Executor<'e, Database = Any>, id: &str, by: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE review_threads SET resolved_by = $1, resolved_at = $2 WHERE id = $3")
        .bind(by)
        .bind(at)
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// The next message's `seq` in a thread (read after locking the thread).
pub async fn next_seq<'e>(ex: impl Executor<'e, Database = Any>, thread_id: &str) -> Result<i64> {
    let row = sqlx::query("SELECT COALESCE(MAX(seq), 0) AS n FROM review_messages WHERE thread_id = $1")
        .bind(thread_id)
        .fetch_one(ex)
        .await?;
    Ok(int(&row, "n")? + 1)
}

pub async fn insert_message<'e>(ex: impl Executor<'e, Database = Any>, m: &MessageRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO review_messages ({MESSAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(m.id.as_str())
    .bind(m.thread_id.as_str())
    .bind(m.seq)
    .bind(m.author_id.clone())
    .bind(m.author_name.as_str())
    .bind(m.side.as_str())
    .bind(m.body.as_str())
    .bind(m.round)
    .bind(m.created_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// A thread's messages in the order written.
pub async fn messages<'e>(ex: impl Executor<'e, Database = Any>, thread_id: &str) -> Result<Vec<MessageRecord>> {
    sqlx::query(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM review_messages WHERE thread_id = $1 ORDER BY seq"
    ))
    .bind(thread_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(message_from_row)
    .collect()
}

/// Every message of a SCAL's threads, each thread's in the order written: one query for a list.
pub async fn messages_for_scal<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<MessageRecord>> {
    let columns = MESSAGE_COLUMNS
        .split(", ")
        .map(|c| format!("m.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    sqlx::query(&format!(
        "SELECT {columns} FROM review_messages m JOIN review_threads t ON t.id = m.thread_id \
         WHERE t.scal_id = $1 ORDER BY m.thread_id, m.seq"
    ))
    .bind(scal_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(message_from_row)
    .collect()
}

pub async fn insert_note<'e>(ex: impl Executor<'e, Database = Any>, n: &NoteRecord) -> Result<()> {
    let (kind, sheet, requirement_id, service, step) = n.subject.columns();
    sqlx::query(&format!(
        "INSERT INTO review_notes ({NOTE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(n.id.as_str())
    .bind(n.scal_id.as_str())
    .bind(kind)
    .bind(sheet)
    .bind(requirement_id)
    .bind(service)
    .bind(step)
    .bind(n.author_id.clone())
    .bind(n.author_name.as_str())
    .bind(n.body.as_str())
    .bind(n.round)
    .bind(n.created_at)
    .execute(ex)
    .await?;
    Ok(())
}

/// A SCAL's internal notes, oldest first.
pub async fn notes_for_scal<'e>(ex: impl Executor<'e, Database = Any>, scal_id: &str) -> Result<Vec<NoteRecord>> {
    sqlx::query(&format!(
        "SELECT {NOTE_COLUMNS} FROM review_notes WHERE scal_id = $1 ORDER BY created_at, id"
    ))
    .bind(scal_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(note_from_row)
    .collect()
}
