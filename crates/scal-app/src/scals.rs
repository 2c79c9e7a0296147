//! A product's SCAL: the template sheets issued to it, its workbook, and answers imported from a
//! completed workbook.

use std::collections::HashMap;

use scal_domain::check::validate_answer;
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::template::TemplateSheet;
use scal_domain::{FieldError, Invalid};
use scal_store::records::scals::{self, AnswerRecord, ScalSheetRecord};
use scal_store::records::templates;
use scal_workbook::{import as import_workbook, read, ImportError, Limits};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::templates::ExportedWorkbook;
use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// One issued sheet with its requirements.
#[derive(Debug, Clone)]
pub struct IssuedSheet {
    pub record: ScalSheetRecord,
    pub sheet: TemplateSheet,
}

/// The product's SCAL sheets, in order (empty when nothing has been issued).
pub async fn sheets(app: &App, actor: &Actor, product_id: &str) -> Result<Vec<IssuedSheet>> {
    let product = crate::products::get(app, actor, product_id).await?;
    let Some(scal_id) = scals::scal_for_product(app.store.pool(), &product.id).await? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut contents: HashMap<String, Vec<TemplateSheet>> = HashMap::new();
    for record in scals::sheets(app.store.pool(), &scal_id).await? {
        if !contents.contains_key(&record.template_version_id) {
            let content = templates::content(app.store.pool(), &record.template_version_id).await?;
            contents.insert(record.template_version_id.clone(), content);
        }
        let sheet = contents
            .get(&record.template_version_id)
            .and_then(|c| c.iter().find(|s| s.name == record.name))
            .cloned()
            .ok_or_else(|| AppError::Internal(format!("sheet {} missing from its template version", record.name)))?;
        out.push(IssuedSheet { record, sheet });
    }
    Ok(out)
}

/// Adds a published template version's sheets to the product's SCAL (NHS England). Sheets the
/// SCAL already has, by name, are kept as they are: a product has one supplier and product
/// information sheet whatever number of services it is assured for. Returns the sheets added.
pub async fn issue(
    app: &App,
    actor: &Actor,
    product_id: &str,
    template_id: &str,
    version: Option<i64>,
    now: OffsetDateTime,
) -> Result<Vec<String>> {
    let product = crate::products::get(app, actor, product_id).await?;
    authorize(actor, Action::IssueScal, Some(&product.org_id))?;
    let (template, versions) = crate::templates::get(app, actor, template_id).await?;
    let chosen = match version {
        Some(n) => versions.iter().find(|v| v.version == n),
        None => versions.iter().rev().find(|v| v.published),
    }
    .ok_or_else(|| AppError::invalid("version", "No such version"))?;
    if !chosen.published {
        return Err(AppError::invalid("version", "Only published versions can be issued"));
    }
    let content = templates::content(app.store.pool(), &chosen.id).await?;
    let mut tx = app.store.begin().await?;
    let scal_id = match scals::scal_for_product(tx.conn(), &product.id).await? {
        Some(id) => id,
        None => {
            let id = new_id();
            scals::insert_scal(tx.conn(), &id, &product.id, micros(now)).await?;
            id
        }
    };
    let existing = scals::sheets(tx.conn(), &scal_id).await?;
    let mut added = Vec::new();
    for sheet in &content {
        if existing.iter().any(|s| s.name == sheet.name) {
            continue;
        }
        let record = ScalSheetRecord {
            id: new_id(),
            scal_id: scal_id.clone(),
            template_version_id: chosen.id.clone(),
            name: sheet.name.clone(),
            position: (existing.len() + added.len()) as i64,
        };
        scals::insert_sheet(tx.conn(), &record).await?;
        added.push(sheet.name.clone());
    }
    let after = serde_json::json!({"template": template.name, "version": chosen.version, "sheets_added": added});
    tx.audit(audit_entry(
        actor,
        now,
        "scal.issued",
        Some(&product.org_id),
        &product.id,
        None,
        Some(after),
    ))
    .await?;
    tx.commit().await?;
    Ok(added)
}

/// The product's SCAL as a workbook, with its answers, stamped with `now` for re-import.
pub async fn workbook(app: &App, actor: &Actor, product_id: &str, now: OffsetDateTime) -> Result<ExportedWorkbook> {
    let product = crate::products::get(app, actor, product_id).await?;
    let issued = sheets(app, actor, &product.id).await?;
    if issued.is_empty() {
        return Err(AppError::invalid(
            "product",
            "No SCAL has been issued for this product yet",
        ));
    }
    let scal_id = issued[0].record.scal_id.clone();
    let by_sheet: HashMap<&str, &str> = issued
        .iter()
        .map(|s| (s.record.id.as_str(), s.record.name.as_str()))
        .collect();
    let mut answers = scal_workbook::Answers::new();
    for answer in scals::answers(app.store.pool(), &scal_id).await? {
        if let Some(sheet) = by_sheet.get(answer.scal_sheet_id.as_str()) {
            answers.insert(
                ((*sheet).to_string(), answer.requirement_id.clone()),
                scal_workbook::ExportedAnswer {
                    response: answer.response,
                    justification: answer.justification,
                    mitigation: answer.mitigation,
                },
            );
        }
    }
    let content: Vec<TemplateSheet> = issued.iter().map(|s| s.sheet.clone()).collect();
    let stamp = now.format(&Rfc3339).unwrap_or_default();
    let name = format!("SCAL for {} {}", product.details.name, product.details.version);
    let bytes = scal_workbook::export(&scal_workbook::Export {
        template_id: "",
        template_name: &name,
        version: 0,
        product_id: Some(&product.id),
        stamp: &stamp,
        sheets: &content,
        answers: &answers,
    })
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(ExportedWorkbook::named(&name, bytes))
}

/// A row whose server answer changed after the workbook was exported.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Conflict {
    pub sheet: String,
    pub row: usize,
    pub requirement_id: String,
    /// Who changed it on the server, and when (RFC 3339).
    pub changed_by: String,
    pub changed_at: String,
}

/// A row whose answers were written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AppliedRow {
    pub sheet: String,
    pub row: usize,
    pub requirement_id: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct AnswersReport {
    /// Answers written.
    pub applied: usize,
    /// Which rows they were.
    pub applied_rows: Vec<AppliedRow>,
    /// Rows whose answers were the same as the server's.
    pub unchanged: usize,
    /// Rows changed on the server since the export; left alone unless overwriting.
    pub conflicts: Vec<Conflict>,
    pub overwritten: usize,
    /// The export stamp the file carried, if any.
    pub exported_at: Option<String>,
}

fn cell(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// A completed workbook as uploaded.
#[derive(Debug, Clone, Default)]
pub struct AnswersUpload {
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Apply rows changed on the server since the export too.
    pub overwrite: bool,
}

/// Reads a completed workbook and applies its answers, matched by sheet and requirement ID, never
/// by position. Every invalid value is reported by sheet, row and column, and then nothing is
/// applied. Rows changed on the server after the workbook's export stamp are conflicts: left
/// alone, unless `overwrite`.
pub async fn import_answers(
    app: &App,
    actor: &Actor,
    product_id: &str,
    upload: &AnswersUpload,
    limits: Limits,
    now: OffsetDateTime,
) -> Result<AnswersReport> {
    import_answers_with_progress(app, actor, product_id, upload, limits, now, &crate::progress::Silent).await
}

/// [`import_answers`], reporting its steps to `progress`.
pub async fn import_answers_with_progress(
    app: &App,
    actor: &Actor,
    product_id: &str,
    upload: &AnswersUpload,
    limits: Limits,
    now: OffsetDateTime,
    progress: &dyn crate::progress::Progress,
) -> Result<AnswersReport> {
    let (file_name, bytes, overwrite) = (upload.file_name.as_str(), upload.bytes.as_slice(), upload.overwrite);
    let product = crate::products::get(app, actor, product_id).await?;
    authorize(actor, Action::AnswerScal, Some(&product.org_id))?;
    let issued = sheets(app, actor, &product.id).await?;
    if issued.is_empty() {
        return Err(AppError::invalid(
            "product",
            "No SCAL has been issued for this product yet",
        ));
    }
    let stem = crate::templates::stem(file_name);
    progress.step(0, 3, &format!("Reading {file_name}"));
    let grids = read(bytes, stem, limits).map_err(|e| AppError::invalid("file", e.to_string()))?;
    progress.step(1, 3, &format!("Checking {} sheets", grids.len()));
    let exported_at = grids
        .iter()
        .find(|g| g.name == scal_workbook::METADATA_SHEET)
        .and_then(|g| g.rows.iter().find(|r| r.first().is_some_and(|k| k == "exported_at")))
        .and_then(|r| r.get(1).cloned())
        .filter(|v| !v.is_empty());
    let stamp = match &exported_at {
        Some(raw) => Some(micros(OffsetDateTime::parse(raw, &Rfc3339).map_err(|_| {
            AppError::invalid("file", format!("the export stamp {raw:?} is not a time"))
        })?)),
        None => None,
    };
    let (file_sheets, _) = import_workbook(&grids, &Default::default()).map_err(|e| match e {
        ImportError::Invalid { problems, .. } => AppError::Invalid(Invalid(
            problems
                .iter()
                .map(|p| FieldError::new("file", p.to_string()))
                .collect(),
        )),
        other => AppError::invalid("file", other.to_string()),
    })?;

    let mut problems = Vec::new();
    let mut incoming = Vec::new();
    for file_sheet in &file_sheets {
        let Some(issued_sheet) = issued.iter().find(|s| s.sheet.name == file_sheet.name) else {
            problems.push(format!("sheet {:?}: not part of this product's SCAL", file_sheet.name));
            continue;
        };
        let response_column = file_sheet
            .answer_columns
            .get("response")
            .cloned()
            .unwrap_or_else(|| "?".into());
        let id_column = "A";
        for row in &file_sheet.rows {
            let Some(requirement) = issued_sheet
                .sheet
                .requirements
                .iter()
                .find(|r| r.id == row.requirement.id)
            else {
                problems.push(format!(
                    "sheet {:?}, row {}, column {id_column}: requirement {:?} is not in this sheet",
                    file_sheet.name, row.row, row.requirement.id
                ));
                continue;
            };
            if let Err(error) = validate_answer(&requirement.answer_kind, row.response.as_deref().unwrap_or("")) {
                problems.push(format!(
                    "sheet {:?}, row {}, column {response_column}: {}",
                    file_sheet.name, row.row, error.message
                ));
                continue;
            }
            incoming.push((issued_sheet.record.id.clone(), file_sheet.name.clone(), row.clone()));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(Invalid(
            problems.into_iter().map(|m| FieldError::new("file", m)).collect(),
        )));
    }

    progress.step(2, 3, "Applying answers");
    let scal_id = issued[0].record.scal_id.clone();
    let mut tx = app.store.begin().await?;
    let current: HashMap<(String, String), AnswerRecord> = scals::answers_locked(&mut tx, &scal_id)
        .await?
        .into_iter()
        .map(|a| ((a.scal_sheet_id.clone(), a.requirement_id.clone()), a))
        .collect();
    let mut report = AnswersReport {
        exported_at: exported_at.clone(),
        ..Default::default()
    };
    let mut changes = Vec::new();
    for (sheet_id, sheet_name, row) in incoming {
        let new = (cell(&row.response), cell(&row.justification), cell(&row.mitigation));
        let server = current.get(&(sheet_id.clone(), row.requirement.id.clone()));
        let old = server
            .map(|a| (a.response.clone(), a.justification.clone(), a.mitigation.clone()))
            .unwrap_or_default();
        if new == old {
            report.unchanged += 1;
            continue;
        }
        if let Some(server) = server {
            let changed_since_export = stamp.is_none_or(|stamp| server.updated_at > stamp);
            if changed_since_export {
                if !overwrite {
                    report.conflicts.push(Conflict {
                        sheet: sheet_name.clone(),
                        row: row.row,
                        requirement_id: row.requirement.id.clone(),
                        changed_by: server.updated_by.clone(),
                        changed_at: crate::from_micros(server.updated_at)
                            .format(&Rfc3339)
                            .unwrap_or_default(),
                    });
                    continue;
                }
                report.overwritten += 1;
            }
        }
        let record = AnswerRecord {
            scal_sheet_id: sheet_id,
            requirement_id: row.requirement.id.clone(),
            response: new.0.clone(),
            justification: new.1.clone(),
            mitigation: new.2.clone(),
            updated_at: micros(now),
            updated_by: actor.label().to_string(),
        };
        scals::upsert_answer(&mut tx, &record).await?;
        changes.push(serde_json::json!({
            "sheet": &sheet_name, "requirement_id": record.requirement_id,
            "before": {"response": old.0, "justification": old.1, "mitigation": old.2},
            "after": {"response": new.0, "justification": new.1, "mitigation": new.2},
        }));
        report.applied += 1;
        report.applied_rows.push(AppliedRow {
            sheet: sheet_name,
            row: row.row,
            requirement_id: row.requirement.id.clone(),
        });
    }
    if !changes.is_empty() {
        let after = serde_json::json!({"file": file_name, "exported_at": exported_at, "changes": changes});
        tx.audit(audit_entry(
            actor,
            now,
            "answers.imported",
            Some(&product.org_id),
            &product.id,
            None,
            Some(after),
        ))
        .await?;
    }
    tx.commit().await?;
    progress.step(3, 3, "Applied");
    Ok(report)
}

/// One requirement of a product's SCAL with its answer and colour.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequirementView {
    pub requirement: scal_domain::template::Requirement,
    pub answer: Option<String>,
    pub justification: Option<String>,
    pub mitigation: Option<String>,
    pub rag: scal_domain::template::Rag,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RagSummary {
    pub red: usize,
    pub amber: usize,
    pub green: usize,
    pub unanswered: usize,
}

impl RagSummary {
    fn add(&mut self, rag: scal_domain::template::Rag) {
        use scal_domain::template::Rag;
        match rag {
            Rag::Red => self.red += 1,
            Rag::Amber => self.amber += 1,
            Rag::Green => self.green += 1,
            Rag::None => self.unanswered += 1,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SheetView {
    pub id: String,
    pub name: String,
    pub kind: scal_domain::template::SheetKind,
    pub requirements: Vec<RequirementView>,
    pub summary: RagSummary,
}

/// The product's SCAL with every answer coloured by the one rule.
pub async fn view(app: &App, actor: &Actor, product_id: &str) -> Result<(Vec<SheetView>, RagSummary)> {
    let issued = sheets(app, actor, product_id).await?;
    let mut answers: HashMap<(String, String), AnswerRecord> = HashMap::new();
    if let Some(first) = issued.first() {
        for answer in scals::answers(app.store.pool(), &first.record.scal_id).await? {
            answers.insert((answer.scal_sheet_id.clone(), answer.requirement_id.clone()), answer);
        }
    }
    let mut total = RagSummary::default();
    let mut views = Vec::new();
    for issued_sheet in issued {
        let mut summary = RagSummary::default();
        let requirements = issued_sheet
            .sheet
            .requirements
            .into_iter()
            .map(|requirement| {
                let answer = answers.get(&(issued_sheet.record.id.clone(), requirement.id.clone()));
                let response = answer.and_then(|a| a.response.clone());
                let rag = scal_domain::template::requirement_rag(&requirement, response.as_deref());
                summary.add(rag);
                total.add(rag);
                RequirementView {
                    requirement,
                    answer: response,
                    justification: answer.and_then(|a| a.justification.clone()),
                    mitigation: answer.and_then(|a| a.mitigation.clone()),
                    rag,
                }
            })
            .collect();
        views.push(SheetView {
            id: issued_sheet.record.id,
            name: issued_sheet.sheet.name,
            kind: issued_sheet.sheet.kind,
            requirements,
            summary,
        });
    }
    Ok((views, total))
}
