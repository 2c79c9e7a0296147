use scal_domain::audit::AuditEntry;
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_text, text};
use crate::{Result, StoreError};

/// Filters for browsing the log; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub org_id: Option<String>,
    pub actor_user_id: Option<String>,
    pub kind: Option<String>,
    /// Any of these kinds (with `kind`, both must hold).
    pub kinds: Option<Vec<String>>,
    /// Inclusive lower bound, microseconds.
    pub from: Option<i64>,
    /// Exclusive upper bound, microseconds.
    pub until: Option<i64>,
    /// Only entries with a smaller sequence number (paging backwards from the newest).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

pub type StoredAudit = AuditEntry;

const COLUMNS: &str =
    "seq, at, actor_user_id, actor_label, org_id, kind, entity_id, before_json, after_json, prev_hash, hash";

fn json(row: &AnyRow, column: &str) -> Result<Option<serde_json::Value>> {
    opt_text(row, column)?
        .map(|raw| serde_json::from_str(&raw).map_err(|e| StoreError::Corrupt(format!("column {column}: {e}"))))
        .transpose()
}

fn from_row(row: &AnyRow) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: int(row, "seq")?,
        at: int(row, "at")?,
        actor_user_id: opt_text(row, "actor_user_id")?,
        actor_label: text(row, "actor_label")?,
        org_id: opt_text(row, "org_id")?,
        kind: text(row, "kind")?,
        entity_id: text(row, "entity_id")?,
        before: json(row, "before_json")?,
        after: json(row, "after_json")?,
        prev_hash: text(row, "prev_hash")?,
        hash: text(row, "hash")?,
    })
}

/// Newest first.
pub async fn list<'e>(ex: impl Executor<'e, Database = Any>, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
    enum Arg {
        Text(String),
        Int(i64),
    }
    let mut clauses = Vec::new();
    let mut args = Vec::new();
    let mut add = |clause: &str, arg: Arg| {
        args.push(arg);
        clauses.push(format!("{clause} ${}", args.len()));
    };
    if let Some(org) = &filter.org_id {
        add("org_id =", Arg::Text(org.clone()));
    }
    if let Some(actor) = &filter.actor_user_id {
        add("actor_user_id =", Arg::Text(actor.clone()));
    }
    if let Some(kind) = &filter.kind {
        add("kind =", Arg::Text(kind.clone()));
    }
    if let Some(from) = filter.from {
        add("at >=", Arg::Int(from));
    }
    if let Some(until) = filter.until {
        add("at <", Arg::Int(until));
    }
    if let Some(before) = filter.before_seq {
        add("seq <", Arg::Int(before));
    }
    // After the last `add`, whose closure borrows the lists.
    if let Some(kinds) = &filter.kinds {
        let first = args.len() + 1;
        let placeholders: Vec<String> = (first..first + kinds.len()).map(|n| format!("${n}")).collect();
        clauses.push(if kinds.is_empty() {
            "1 = 0".to_string()
        } else {
            format!("kind IN ({})", placeholders.join(", "))
        });
        args.extend(kinds.iter().cloned().map(Arg::Text));
    }
    let mut sql = format!("SELECT {COLUMNS} FROM audit_log");
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT {}", filter.limit.clamp(1, 500)));
    let mut query = sqlx::query(&sql);
    for arg in args {
        query = match arg {
            Arg::Text(value) => query.bind(value),
            Arg::Int(value) => query.bind(value),
        };
    }
    query.fetch_all(ex).await?.iter().map(from_row).collect()
}

/// Entries in chain order, `batch` at a time after `after_seq`, for verification.
pub async fn page_in_order<'e>(
    ex: impl Executor<'e, Database = Any>,
    after_seq: i64,
    batch: i64,
) -> Result<Vec<AuditEntry>> {
    let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT {batch}");
    sqlx::query(&sql)
        .bind(after_seq)
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn head<'e>(ex: impl Executor<'e, Database = Any>) -> Result<(i64, String)> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(ex)
        .await?;
    Ok((int(&row, "seq")?, text(&row, "hash")?))
}

/// The hash stored for entry `seq`, if there is such an entry.
pub async fn hash_at<'e>(ex: impl Executor<'e, Database = Any>, seq: i64) -> Result<Option<String>> {
    sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
        .bind(seq)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(|row| text(row, "hash"))
        .transpose()
}

/// Distinct kinds recorded so far, for the filter drop-down.
pub async fn kinds<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT DISTINCT kind FROM audit_log ORDER BY kind")
        .fetch_all(ex)
        .await?;
    rows.iter().map(|row| text(row, "kind")).collect()
}
