//! `audit_checkpoints`: signed checkpoints of the audit chain's head.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRecord {
    pub id: String,
    /// The audit entry signed: the head when the checkpoint was made.
    pub seq: i64,
    pub hash: String,
    /// Microseconds.
    pub at: i64,
    pub kid: String,
    /// The compact JWS over `{"at","hash","seq"}`.
    pub jws: String,
}

const COLUMNS: &str = "id, seq, hash, at, kid, jws";

fn from_row(row: &AnyRow) -> Result<CheckpointRecord> {
    Ok(CheckpointRecord {
        id: text(row, "id")?,
        seq: int(row, "seq")?,
        hash: text(row, "hash")?,
        at: int(row, "at")?,
        kid: text(row, "kid")?,
        jws: text(row, "jws")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, record: &CheckpointRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO audit_checkpoints ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(record.id.clone())
    .bind(record.seq)
    .bind(record.hash.clone())
    .bind(record.at)
    .bind(record.kid.clone())
    .bind(record.jws.clone())
    .execute(ex)
    .await?;
    Ok(())
}

/// The checkpoint of the furthest head, if any.
pub async fn latest<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Option<CheckpointRecord>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_checkpoints ORDER BY seq DESC LIMIT 1"
    ))
    .fetch_optional(ex)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Every checkpoint, oldest head first (one a day at most: a few hundred a year).
pub async fn all_in_order<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<CheckpointRecord>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM audit_checkpoints ORDER BY seq"))
        .fetch_all(ex)
        .await?
        .iter()
        .map(from_row)
        .collect()
}
