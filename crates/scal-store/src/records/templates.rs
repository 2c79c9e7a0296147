use scal_domain::template::{Requirement, SheetKind, TemplateSheet};
use sqlx::any::AnyRow;
use sqlx::{Any, Executor};

use crate::rows::{int, opt_int, opt_text, text};
use crate::{Result, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TemplateRecord {
    pub id: String,
    pub name: String,
    pub service_code: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VersionRecord {
    pub id: String,
    pub template_id: String,
    pub version: i64,
    pub published: bool,
    pub source_name: String,
    pub source_sha256: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
}

fn template_from_row(row: &AnyRow) -> Result<TemplateRecord> {
    Ok(TemplateRecord {
        id: text(row, "id")?,
        name: text(row, "name")?,
        service_code: opt_text(row, "service_code")?,
        created_at: int(row, "created_at")?,
    })
}

fn version_from_row(row: &AnyRow) -> Result<VersionRecord> {
    let status = text(row, "status")?;
    Ok(VersionRecord {
        id: text(row, "id")?,
        template_id: text(row, "template_id")?,
        version: int(row, "version")?,
        published: match status.as_str() {
            "published" => true,
            "draft" => false,
            other => return Err(StoreError::Corrupt(format!("template version status {other:?}"))),
        },
        source_name: text(row, "source_name")?,
        source_sha256: text(row, "source_sha256")?,
        created_at: int(row, "created_at")?,
        published_at: opt_int(row, "published_at")?,
    })
}

const TEMPLATE_COLUMNS: &str = "id, name, service_code, created_at";
const VERSION_COLUMNS: &str = "id, template_id, version, status, source_name, source_sha256, created_at, published_at";

pub async fn insert_template<'e>(ex: impl Executor<'e, Database = Any>, template: &TemplateRecord) -> Result<()> {
    sqlx::query("INSERT INTO templates (id, name, service_code, created_at) VALUES ($1, $2, $3, $4)")
        .bind(template.id.as_str())
        .bind(template.name.as_str())
        .bind(template.service_code.clone())
        .bind(template.created_at)
        .execute(ex)
        .await?;
    Ok(())
}

pub async fn get<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<TemplateRecord>> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(template_from_row)
        .transpose()
}

pub async fn get_by_name<'e>(ex: impl Executor<'e, Database = Any>, name: &str) -> Result<Option<TemplateRecord>> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE name = $1");
    sqlx::query(&sql)
        .bind(name)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(template_from_row)
        .transpose()
}

pub async fn list<'e>(ex: impl Executor<'e, Database = Any>) -> Result<Vec<TemplateRecord>> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates ORDER BY name, id");
    sqlx::query(&sql)
        .fetch_all(ex)
        .await?
        .iter()
        .map(template_from_row)
        .collect()
}

/// The template's versions, oldest first.
pub async fn versions<'e>(ex: impl Executor<'e, Database = Any>, template_id: &str) -> Result<Vec<VersionRecord>> {
    let sql = format!("SELECT {VERSION_COLUMNS} FROM template_versions WHERE template_id = $1 ORDER BY version");
    sqlx::query(&sql)
        .bind(template_id)
        .fetch_all(ex)
        .await?
        .iter()
        .map(version_from_row)
        .collect()
}

/// One version by its ID.
pub async fn get_version<'e>(ex: impl Executor<'e, Database = Any>, id: &str) -> Result<Option<VersionRecord>> {
    let sql = format!("SELECT {VERSION_COLUMNS} FROM template_versions WHERE id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(ex)
        .await?
        .as_ref()
        .map(version_from_row)
        .transpose()
}

/// The versions of a template, read inside `tx` with the template row locked, so two imports
/// cannot take the same version number.
pub async fn versions_locked(tx: &mut Tx, template_id: &str) -> Result<Vec<VersionRecord>> {
    let lock = format!("SELECT id FROM templates WHERE id = $1{}", tx.for_update());
    sqlx::query(&lock).bind(template_id).fetch_optional(tx.conn()).await?;
    versions(tx.conn(), template_id).await
}

pub async fn insert_version<'e>(ex: impl Executor<'e, Database = Any>, version: &VersionRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO template_versions (id, template_id, version, status, source_name, source_sha256, created_at, \
         published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(version.id.as_str())
    .bind(version.template_id.as_str())
    .bind(version.version)
    .bind(if version.published { "published" } else { "draft" })
    .bind(version.source_name.as_str())
    .bind(version.source_sha256.as_str())
    .bind(version.created_at)
    .bind(version.published_at)
    .execute(ex)
    .await?;
    Ok(())
}

pub async fn mark_published<'e>(ex: impl Executor<'e, Database = Any>, version_id: &str, at: i64) -> Result<()> {
    sqlx::query("UPDATE template_versions SET status = 'published', published_at = $1 WHERE id = $2")
        .bind(at)
        .bind(version_id)
        .execute(ex)
        .await?;
    Ok(())
}

/// Stores a version's sheets and requirements. `ids` supplies one new ID per sheet.
pub async fn insert_content(
    tx: &mut Tx,
    version_id: &str,
    sheets: &[TemplateSheet],
    mut ids: impl FnMut() -> String,
) -> Result<()> {
    for (position, sheet) in sheets.iter().enumerate() {
        let requirements =
            serde_json::to_string(&sheet.requirements).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO template_sheets (id, version_id, position, name, kind, requirements) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(ids())
        .bind(version_id)
        .bind(position as i64)
        .bind(sheet.name.as_str())
        .bind(sheet_kind(sheet.kind))
        .bind(requirements)
        .execute(tx.conn())
        .await?;
    }
    Ok(())
}

fn sheet_kind(kind: SheetKind) -> &'static str {
    match kind {
        SheetKind::Information => "information",
        SheetKind::Service => "service",
    }
}

/// A version's sheets and requirements, in order.
pub async fn content<'e>(ex: impl Executor<'e, Database = Any>, version_id: &str) -> Result<Vec<TemplateSheet>> {
    let rows =
        sqlx::query("SELECT name, kind, requirements FROM template_sheets WHERE version_id = $1 ORDER BY position")
            .bind(version_id)
            .fetch_all(ex)
            .await?;
    rows.iter()
        .map(|row| {
            let kind = match text(row, "kind")?.as_str() {
                "information" => SheetKind::Information,
                "service" => SheetKind::Service,
                other => return Err(StoreError::Corrupt(format!("sheet kind {other:?}"))),
            };
            let requirements: Vec<Requirement> = serde_json::from_str(&text(row, "requirements")?)
                .map_err(|e| StoreError::Corrupt(format!("requirements: {e}")))?;
            Ok(TemplateSheet {
                name: text(row, "name")?,
                kind,
                requirements,
            })
        })
        .collect()
}
