//! SCAL templates: import from a workbook, versions, publishing, differences.

use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::template::{diff as diff_versions, TemplateDiff, TemplateSheet};
use scal_domain::{FieldError, Invalid};
use scal_store::records::templates::{self, TemplateRecord, VersionRecord};
use scal_workbook::{import as import_workbook, read, ImportError, ImportOptions, ImportReport, Limits};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{audit_entry, known_id, micros, new_id, to_json, unique_violation, App, AppError, Result};

/// `FIELD=COLUMN` mappings for columns recognition misses.
pub fn parse_map(entries: &[String]) -> Result<ImportOptions> {
    scal_workbook::parse_map(entries).map_err(|e| AppError::invalid("map", e))
}

/// A workbook to import, as uploaded.
#[derive(Debug, Clone, Default)]
pub struct ImportRequest {
    /// The uploaded file's name; its stem names the template and text files' single sheet.
    pub file_name: String,
    /// Shared, so parsing on the blocking pool needs no copy of the upload.
    pub bytes: bytes::Bytes,
    /// The template to add this file to as its next version. `None`: a new template.
    pub template_id: Option<String>,
    /// A new template's name; by default the file name without its extension. It must not be an
    /// existing template's name (that file is a new version of it: `template_id`). Ignored for a
    /// new version.
    pub name: Option<String>,
    /// The catalogue service a new template is for. Ignored for a new version.
    pub service: Option<String>,
    pub publish: bool,
    pub options: ImportOptions,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportOutcome {
    pub template: TemplateRecord,
    pub version: VersionRecord,
    pub report: ImportReport,
    /// Against the previous published version, when this import was published.
    pub diff: Option<TemplateDiff>,
}

/// An uploaded file's name without folders or extension.
pub(crate) fn stem(file_name: &str) -> &str {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    base.rsplit_once('.').map_or(base, |(stem, _)| stem)
}

/// Reads, checks and stores a workbook as a new version. Nothing is stored when anything in the
/// file is wrong: the error names the sheet, row and column.
pub async fn import(
    app: &App,
    actor: &Actor,
    request: &ImportRequest,
    limits: Limits,
    now: OffsetDateTime,
) -> Result<ImportOutcome> {
    import_with_progress(app, actor, request, limits, now, &crate::progress::Silent).await
}

/// [`import`], reporting its steps to `progress`.
pub async fn import_with_progress(
    app: &App,
    actor: &Actor,
    request: &ImportRequest,
    limits: Limits,
    now: OffsetDateTime,
    progress: &dyn crate::progress::Progress,
) -> Result<ImportOutcome> {
    authorize(actor, Action::ManageTemplates, None)?;
    // Where the file goes is checked before it is read: a wrong choice costs no parsing.
    let target = match request.template_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(id) => Some(
            match known_id(id) {
                Ok(id) => templates::get(app.store.pool(), id).await?,
                Err(_) => None,
            }
            .ok_or_else(|| AppError::invalid("template_id", "There is no such template to add a version to"))?,
        ),
    };
    let name = request
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| stem(&request.file_name).to_string());
    let name = scal_domain::field::required_text("name", "a template name", &name, 200)
        .map_err(|e| AppError::Invalid(Invalid(vec![e])))?;
    if target.is_none() {
        ensure_new_name(&templates::list(app.store.pool()).await?, &name)?;
    }
    let service = match request.service.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        _ if target.is_some() => None,
        None => None,
        Some(code) => {
            let code =
                scal_domain::service::ServiceCode::parse(code).map_err(|e| AppError::Invalid(Invalid(vec![e])))?;
            scal_store::records::services::get(app.store.pool(), code.as_str())
                .await?
                .ok_or_else(|| {
                    AppError::invalid("service", format!("The catalogue has no service {}", code.as_str()))
                })?;
            Some(code.as_str().to_string())
        }
    };
    progress.step(0, 3, &format!("Reading {}", request.file_name));
    // Parsing is slow and synchronous: on the blocking pool, behind the workbook gate, so a few
    // large uploads cannot starve other requests (past the gate's queue: busy, 503).
    let (bytes, sheet_name, options) = (
        request.bytes.clone(),
        stem(&request.file_name).to_string(),
        request.options.clone(),
    );
    let (sheets, report, sha256) = app
        .gates
        .workbook
        .run(move || -> Result<_> {
            let grids = read(&bytes, &sheet_name, limits).map_err(|e| AppError::invalid("file", e.to_string()))?;
            let (sheets, report) = import_workbook(&grids, &options).map_err(import_error)?;
            Ok((sheets, report, hex::encode(Sha256::digest(&bytes))))
        })
        .await??;
    progress.step(1, 3, &format!("Recognised {} sheets", report.sheets.len()));
    progress.step(2, 3, "Storing");
    let content: Vec<TemplateSheet> = sheets
        .into_iter()
        .map(|s| TemplateSheet {
            name: s.name,
            kind: s.kind,
            requirements: s.rows.into_iter().map(|r| r.requirement).collect(),
        })
        .collect();

    let mut tx = app.store.begin().await?;
    let template = match target {
        Some(existing) => existing,
        None => {
            // Again inside the transaction: another import may have taken the name meanwhile.
            ensure_new_name(&templates::list(tx.conn()).await?, &name)?;
            let template = TemplateRecord {
                id: new_id(),
                name: name.clone(),
                service_code: service.clone(),
                created_at: micros(now),
            };
            templates::insert_template(tx.conn(), &template)
                .await
                .map_err(|e| unique_violation(e, "name", &name_taken(&name)))?;
            tx.audit(audit_entry(
                actor,
                now,
                "template.created",
                None,
                &template.id,
                None,
                to_json(&template),
            ))
            .await?;
            template
        }
    };
    let existing = templates::versions_locked(&mut tx, &template.id).await?;
    let previous_published = existing.iter().rev().find(|v| v.published).cloned();
    let mut version = VersionRecord {
        id: new_id(),
        template_id: template.id.clone(),
        version: existing.last().map_or(1, |v| v.version + 1),
        published: false,
        source_name: request.file_name.clone(),
        source_sha256: sha256,
        created_at: micros(now),
        published_at: None,
    };
    templates::insert_version(tx.conn(), &version).await?;
    templates::insert_content(&mut tx, &version.id, &content, new_id).await?;
    let summary = serde_json::json!({
        "template": template.name, "version": version.version, "source": version.source_name,
        "sha256": version.source_sha256,
        "sheets": report.sheets.iter().map(|s| serde_json::json!({"name": s.name, "kind": s.kind, "requirements": s.requirements})).collect::<Vec<_>>(),
    });
    tx.audit(audit_entry(
        actor,
        now,
        "template.imported",
        None,
        &version.id,
        None,
        Some(summary),
    ))
    .await?;
    let diff = if request.publish {
        let old = match &previous_published {
            Some(v) => templates::content(app.store.pool(), &v.id).await?,
            None => Vec::new(),
        };
        let diff = diff_versions(&old, &content);
        templates::mark_published(tx.conn(), &version.id, micros(now)).await?;
        version.published = true;
        version.published_at = Some(micros(now));
        tx.audit(published_entry(actor, now, &version, &diff)).await?;
        Some(diff)
    } else {
        None
    };
    tx.commit().await?;
    progress.step(3, 3, "Imported");
    Ok(ImportOutcome {
        template,
        version,
        report,
        diff,
    })
}

fn name_taken(name: &str) -> String {
    format!("A template called {name} already exists: import this file as its new version, or choose another name")
}

/// A new template's name must not be an existing template's, in any case: a file with that name
/// is a new version of it, which the importer must choose, not get by accident.
fn ensure_new_name(existing: &[TemplateRecord], name: &str) -> Result<()> {
    match existing
        .iter()
        .find(|t| scal_domain::template::same_template_name(&t.name, name))
    {
        Some(taken) => Err(AppError::invalid("name", name_taken(&taken.name))),
        None => Ok(()),
    }
}

/// The existing template an import most likely belongs to (the import form's default choice):
/// one named like the typed name or the file, else the latest for the chosen service. `None`:
/// a new template.
pub async fn likely_target(
    app: &App,
    actor: &Actor,
    name: &str,
    file_name: &str,
    service: &str,
) -> Result<Option<TemplateRecord>> {
    authorize(actor, Action::ManageTemplates, None)?;
    let mut existing = templates::list(app.store.pool()).await?;
    existing.sort_by_key(|t| t.created_at);
    let keys: Vec<scal_domain::template::ExistingTemplate<'_>> = existing
        .iter()
        .map(|t| scal_domain::template::ExistingTemplate {
            name: &t.name,
            service: t.service_code.as_deref(),
        })
        .collect();
    let found = scal_domain::template::likely_template(&keys, &[name, stem(file_name)], Some(service));
    Ok(found.map(|i| existing[i].clone()))
}

fn published_entry(
    actor: &Actor,
    now: OffsetDateTime,
    version: &VersionRecord,
    diff: &TemplateDiff,
) -> scal_store::NewAuditEntry {
    let after = serde_json::json!({
        "version": version.version,
        "added": diff.added.len(), "removed": diff.removed.len(),
        "text_changed": diff.text_changed.len(), "level_changed": diff.level_changed.len(),
    });
    audit_entry(actor, now, "template.published", None, &version.id, None, Some(after))
}

/// Every problem in the file as a field error on `file`, located by sheet, row and column.
fn import_error(error: ImportError) -> AppError {
    match error {
        ImportError::Invalid { problems, .. } => AppError::Invalid(Invalid(
            problems
                .iter()
                .map(|p| FieldError::new("file", p.to_string()))
                .collect(),
        )),
        other => AppError::invalid("file", other.to_string()),
    }
}

pub async fn list(app: &App, actor: &Actor) -> Result<Vec<(TemplateRecord, Vec<VersionRecord>)>> {
    authorize(actor, Action::ReadTemplates, None)?;
    let mut out = Vec::new();
    for template in templates::list(app.store.pool()).await? {
        let versions = visible_versions(actor, templates::versions(app.store.pool(), &template.id).await?);
        if !versions.is_empty() || actor.is_nhse() {
            out.push((template, versions));
        }
    }
    Ok(out)
}

/// Drafts are NHS England's work in progress; everyone else sees published versions only.
fn visible_versions(actor: &Actor, versions: Vec<VersionRecord>) -> Vec<VersionRecord> {
    if actor.is_nhse() {
        versions
    } else {
        versions.into_iter().filter(|v| v.published).collect()
    }
}

pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<(TemplateRecord, Vec<VersionRecord>)> {
    authorize(actor, Action::ReadTemplates, None)?;
    let template = templates::get(app.store.pool(), known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let versions = visible_versions(actor, templates::versions(app.store.pool(), &template.id).await?);
    if versions.is_empty() && !actor.is_nhse() {
        return Err(AppError::NotFound);
    }
    Ok((template, versions))
}

pub async fn version(
    app: &App,
    actor: &Actor,
    id: &str,
    number: i64,
) -> Result<(TemplateRecord, VersionRecord, Vec<TemplateSheet>)> {
    let (template, versions) = get(app, actor, id).await?;
    let version = versions
        .into_iter()
        .find(|v| v.version == number)
        .ok_or(AppError::NotFound)?;
    let content = templates::content(app.store.pool(), &version.id).await?;
    Ok((template, version, content))
}

/// Publishes a draft, returning what changed since the previous published version.
pub async fn publish(app: &App, actor: &Actor, id: &str, number: i64, now: OffsetDateTime) -> Result<TemplateDiff> {
    authorize(actor, Action::ManageTemplates, None)?;
    let template = templates::get(app.store.pool(), known_id(id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = app.store.begin().await?;
    let versions = templates::versions_locked(&mut tx, &template.id).await?;
    let mut version = versions
        .iter()
        .find(|v| v.version == number)
        .cloned()
        .ok_or(AppError::NotFound)?;
    if version.published {
        return Err(already_published(number));
    }
    let previous = versions.iter().rev().find(|v| v.published && v.version < number);
    let old = match previous {
        Some(v) => templates::content(app.store.pool(), &v.id).await?,
        None => Vec::new(),
    };
    let new = templates::content(app.store.pool(), &version.id).await?;
    let diff = diff_versions(&old, &new);
    templates::mark_published(tx.conn(), &version.id, micros(now)).await?;
    version.published = true;
    version.published_at = Some(micros(now));
    tx.audit(published_entry(actor, now, &version, &diff)).await?;
    tx.commit().await?;
    Ok(diff)
}

/// A draft about to be published and what publishing it would change since the previous
/// published version: what the confirmation page shows. A published version is refused as
/// publishing it is.
pub async fn to_publish(
    app: &App,
    actor: &Actor,
    id: &str,
    number: i64,
) -> Result<(TemplateRecord, VersionRecord, Vec<TemplateSheet>, TemplateDiff)> {
    authorize(actor, Action::ManageTemplates, None)?;
    let (template, versions) = get(app, actor, id).await?;
    let version = versions
        .iter()
        .find(|v| v.version == number)
        .cloned()
        .ok_or(AppError::NotFound)?;
    if version.published {
        return Err(already_published(number));
    }
    let old = match versions.iter().rev().find(|v| v.published && v.version < number) {
        Some(v) => templates::content(app.store.pool(), &v.id).await?,
        None => Vec::new(),
    };
    let new = templates::content(app.store.pool(), &version.id).await?;
    let diff = diff_versions(&old, &new);
    Ok((template, version, new, diff))
}

fn already_published(number: i64) -> AppError {
    AppError::invalid(
        "version",
        format!("Version {number} is already published; published versions never change"),
    )
}

/// The difference between two versions; by default the latest against the one before it.
pub async fn diff(
    app: &App,
    actor: &Actor,
    id: &str,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<(i64, i64, TemplateDiff)> {
    let (_, versions) = get(app, actor, id).await?;
    let to = match to {
        Some(n) => versions.iter().find(|v| v.version == n),
        None => versions.last(),
    }
    .ok_or_else(|| AppError::invalid("to", "No such version"))?;
    let from = match from {
        Some(n) => versions
            .iter()
            .find(|v| v.version == n)
            .ok_or_else(|| AppError::invalid("from", "No such version"))?
            .clone(),
        None => match versions.iter().rev().find(|v| v.version < to.version) {
            Some(v) => v.clone(),
            None => {
                return Ok((
                    0,
                    to.version,
                    diff_versions(&[], &templates::content(app.store.pool(), &to.id).await?),
                ))
            }
        },
    };
    let old = templates::content(app.store.pool(), &from.id).await?;
    let new = templates::content(app.store.pool(), &to.id).await?;
    Ok((from.version, to.version, diff_versions(&old, &new)))
}

/// A blank copy of a template version as an `.xlsx` workbook, to complete offline.
pub struct ExportedWorkbook {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl ExportedWorkbook {
    /// A download named after `title`, reduced to characters every file system and browser
    /// accepts.
    pub(crate) fn named(title: &str, bytes: Vec<u8>) -> Self {
        let safe: String = title
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
            .collect();
        Self {
            file_name: format!("{safe}.xlsx"),
            bytes,
        }
    }
}

pub async fn export(
    app: &App,
    actor: &Actor,
    id: &str,
    number: Option<i64>,
    now: OffsetDateTime,
) -> Result<ExportedWorkbook> {
    let (template, versions) = get(app, actor, id).await?;
    let version = match number {
        Some(n) => versions.iter().find(|v| v.version == n),
        None => versions.iter().rev().find(|v| v.published).or(versions.last()),
    }
    .ok_or(AppError::NotFound)?;
    let sheets = templates::content(app.store.pool(), &version.id).await?;
    let stamp = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let bytes = scal_workbook::export(&scal_workbook::Export {
        template_id: &template.id,
        template_name: &template.name,
        version: version.version,
        product_id: None,
        stamp: &stamp,
        sheets: &sheets,
        answers: &scal_workbook::Answers::new(),
    })
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(ExportedWorkbook::named(
        &format!("{}-v{}", template.name, version.version),
        bytes,
    ))
}
