//! Evidence files' metadata (the bytes live in the file store) and the requirements they back.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, text};
use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EvidenceRecord {
    pub id: String,
    pub org_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LinkRecord {
    pub evidence_id: String,
    pub scal_sheet_id: String,
    pub requirement_id: String,
    pub linked_by: String,
    pub linked_at: i64,
}

const COLUMNS: &str = "id, org_id, file_name, content_type, size, sha256, storage_key, uploaded_by, uploaded_at";

pub(crate) fn from_row(row: &AnyRow) -> Result<EvidenceRecord> {
    Ok(EvidenceRecord {
        id: text(row, "id")?,
        org_id: text(row, "org_id")?,
        file_name: text(row, "file_name")?,
        content_type: text(row, "content_type")?,
        size: int(row, "size")?,
        sha256: text(row, "sha256")?,
        storage_key: text(row, "storage_key")?,
        uploaded_by: text(row, "uploaded_by")?,
        uploaded_at: int(row, "uploaded_at")?,
    })
}

pub async fn insert<'e>(ex: impl Executor<'e, Database = Any>, e: &EvidenceRecord) -> Result<()> {
    sqlx::query(&format!(
        "INSERT INTO evidence ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(e.id.as_str())
    .bind(e.org_id.as_str())
    .bind(e.file_name.as_str())
    .bind(e.content_type.as_str())
    .bind(e.size)
    .bind(e.sha256.as_str())
    .bind(e.storage_key.as_str())
    .bind(e.uploaded_by.as_str())
    .bind(e.uploaded_at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<EvidenceRecord>> {
    sqlx::query(&format!("SELECT {COLUMNS} FROM evidence WHERE id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// An organisation's evidence, newest first.
pub async fn for_org<'e>(ex: impl Executor<'e, Database = Any>, org_id: &str) -> Result<Vec<EvidenceRecord>> {
    sqlx::query(&format!(
        "SELECT {COLUMNS} FROM evidence WHERE org_id = $1 ORDER BY uploaded_at DESC, id"
    ))
    .bind(org_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

pub async fn insert_link<'e>(ex: impl Executor<'e, Database = Any>, l: &LinkRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO evidence_links (evidence_id, scal_sheet_id, requirement_id, linked_by, linked_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(l.evidence_id.as_str())
    .bind(l.scal_sheet_id.as_str())
    .bind(l.requirement_id.as_str())
    .bind(l.linked_by.as_str())
    .bind(l.linked_at)
    .execute(ex)
    .await?;
    Ok(())
}

const LINK_COLUMNS: &str = "l.evidence_id, l.scal_sheet_id, l.requirement_id, l.linked_by, l.linked_at, \
    e.id, e.org_id, e.file_name, e.content_type, e.size, e.sha256, e.storage_key, e.uploaded_by, e.uploaded_at";

fn link_from_row(row: &AnyRow) -> Result<(LinkRecord, EvidenceRecord)> {
    Ok((
        LinkRecord {
            evidence_id: text(row, "evidence_id")?,
            scal_sheet_id: text(row, "scal_sheet_id")?,
            requirement_id: text(row, "requirement_id")?,
            linked_by: text(row, "linked_by")?,
            linked_at: int(row, "linked_at")?,
        },
        from_row(row)?,
    ))
}

/// Every link of a SCAL's sheets, with the file each names.
pub async fn links_for_scal<'e>(
    ex: impl Executor<'e, Database = Any>,
    scal_id: &str,
) -> Result<Vec<(LinkRecord, EvidenceRecord)>> {
    let sql = format!(
        "SELECT {LINK_COLUMNS} FROM evidence_links l JOIN evidence e ON e.id = l.evidence_id \
         JOIN scal_sheets s ON s.id = l.scal_sheet_id WHERE s.scal_id = $1 ORDER BY l.linked_at, e.file_name, e.id"
    );
    sqlx::query(&sql)
        .bind(scal_id)
        .fetch_all(ex)
        .await?
        .iter()
        .map(link_from_row)
        .collect()
}

/// The files linked to one requirement of a sheet.
pub async fn links_for_requirement<'e>(
    ex: impl Executor<'e, Database = Any>,
    scal_sheet_id: &str,
    requirement_id: &str,
) -> Result<Vec<(LinkRecord, EvidenceRecord)>> {
    let sql = format!(
        "SELECT {LINK_COLUMNS} FROM evidence_links l JOIN evidence e ON e.id = l.evidence_id \
         WHERE l.scal_sheet_id = $1 AND l.requirement_id = $2 ORDER BY l.linked_at, e.file_name, e.id"
    );
    sqlx::query(&sql)
        .bind(scal_sheet_id)
        .bind(requirement_id)
        .fetch_all(ex)
        .await?
        .iter()
        .map(link_from_row)
        .collect()
}

/// The bytes an organisation's evidence takes in the file store: each distinct file once (the
/// store is content-addressed, so uploading the same file again takes no more space).
pub async fn stored_bytes<'e>(ex: impl Executor<'e, Database = Any>, org_id: &str) -> Result<i64> {
    // PostgreSQL's SUM of a BIGINT is NUMERIC, which sqlx's Any driver cannot decode.
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) AS total \
         FROM (SELECT DISTINCT sha256, size FROM evidence WHERE org_id = $1) AS files",
    )
    .bind(org_id)
    .fetch_one(ex)
    .await?;
    int(&row, "total")
}

/// Whether the organisation already has a file with these bytes.
pub async fn org_has_file<'e>(ex: impl Executor<'e, Database = Any>, org_id: &str, sha256: &str) -> Result<bool> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM evidence WHERE org_id = $1 AND sha256 = $2")
        .bind(org_id)
        .bind(sha256)
        .fetch_one(ex)
        .await?;
    Ok(int(&row, "n")? > 0)
}

/// Removes one link; how many were removed (0: it was not linked).
pub async fn delete_link<'e>(
    ex: impl Executor<'e, Database = Any>,
    evidence_id: &str,
    scal_sheet_id: &str,
    requirement_id: &str,
) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM evidence_links WHERE evidence_id = $1 AND scal_sheet_id = $2 AND requirement_id = $3")
            .bind(evidence_id)
            .bind(scal_sheet_id)
            .bind(requirement_id)
            .execute(ex)
            .await?
            .rows_affected(),
    )
}

/// Every link to one file, with the SCAL each is in: `(link, scal_id)`.
pub async fn links_to_file<'e>(
    ex: impl Executor<'e, Database = Any>,
    evidence_id: &str,
) -> Result<Vec<(LinkRecord, String)>> {
    sqlx::query(
        "SELECT l.evidence_id, l.scal_sheet_id, l.requirement_id, l.linked_by, l.linked_at, s.scal_id \
         FROM evidence_links l JOIN scal_sheets s ON s.id = l.scal_sheet_id WHERE l.evidence_id = $1",
    )
    .bind(evidence_id)
    .fetch_all(ex)
    .await?
    .iter()
    .map(|row| {
        Ok((
            LinkRecord {
                evidence_id: text(row, "evidence_id")?,
                scal_sheet_id: text(row, "scal_sheet_id")?,
                requirement_id: text(row, "requirement_id")?,
                linked_by: text(row, "linked_by")?,
                linked_at: int(row, "linked_at")?,
            },
            text(row, "scal_id")?,
        ))
    })
    .collect()
}

/// The rounds of the organisation's SCALs whose submitted snapshot names these bytes: what was
/// submitted must stay checkable, so such a file is never deleted. `(scal_id, round)`.
pub async fn submitted_with<'e>(
    ex: impl Executor<'e, Database = Any>,
    org_id: &str,
    sha256: &str,
) -> Result<Vec<(String, i64)>> {
    // A SHA-256 in hex is 64 characters no other text in a snapshot has by chance.
    sqlx::query(
        "SELECT sub.scal_id, sub.round FROM submissions sub JOIN scals sc ON sc.id = sub.scal_id \
         JOIN products p ON p.id = sc.product_id WHERE p.org_id = $1 AND sub.snapshot LIKE $2 ORDER BY sub.round",
    )
    .bind(org_id)
    .bind(format!("%{sha256}%"))
    .fetch_all(ex)
    .await?
    .iter()
    .map(|row| Ok((text(row, "scal_id")?, int(row, "round")?)))
    .collect()
}

/// Deletes a file's record (its links first go through [`delete_link`]).
pub async fn delete<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM evidence WHERE id = $1")
        .bind(id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Removes every file's link to one requirement.
pub async fn delete_links_of<'e>(
    ex: impl Executor<'e, Database = Any>,
    sheet_id: &str,
    requirement_id: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM evidence_links WHERE scal_sheet_id = $1 AND requirement_id = $2")
        .bind(sheet_id)
        .bind(requirement_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Every file key a row refers to: what `scal files gc` keeps.
pub async fn storage_keys<'e>(ex: impl Executor<'e, Database = Any>) -> Result<std::collections::HashSet<String>> {
    let rows = sqlx::query("SELECT DISTINCT storage_key FROM evidence")
        .fetch_all(ex)
        .await?;
    rows.iter().map(|row| text(row, "storage_key")).collect()
}

/// Whether any evidence row refers to the stored file `key`.
pub async fn refers_to<'e>(ex: impl Executor<'e, Database = Any>, key: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM evidence WHERE storage_key = $1 LIMIT 1")
        .bind(key)
        .fetch_optional(ex)
        .await?
        .is_some())
}
