//! A product's SCAL: the template sheets issued to it, its workbook, and answers imported from a
//! completed workbook.

use std::collections::HashMap;

use scal_domain::check::{canonical_answer, validate_answer_on};
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::template::{Rag, SheetKind, TemplateSheet};
use scal_domain::{FieldError, Invalid};
use scal_store::records::scals::{self, AnswerRecord, ScalSheetRecord};
use scal_store::records::templates;
use scal_workbook::{import_exported, read_with_formulas, ImportError, Limits};
use sha2::Digest;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::templates::ExportedWorkbook;
use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// One issued sheet with its requirements.
#[derive(Debug, Clone)]
pub struct IssuedSheet {
    pub record: ScalSheetRecord,
    /// The template's sheet without the requirements scoped out of this SCAL.
    pub sheet: TemplateSheet,
    /// Requirements NHS England took out of this SCAL: (ID, reason).
    pub scoped_out: Vec<(String, String)>,
}

impl IssuedSheet {
    /// Whether NHS England took this requirement out of the SCAL.
    pub fn is_scoped_out(&self, requirement_id: &str) -> bool {
        self.scoped_out.iter().any(|(id, _)| id == requirement_id)
    }
}

/// The product's SCAL sheets, in order (empty when nothing has been issued).
pub async fn sheets(app: &App, actor: &Actor, product_id: &str) -> Result<Vec<IssuedSheet>> {
    let product = crate::products::get(app, actor, product_id).await?;
    let Some(scal_id) = scals::scal_for_product(app.store.pool(), &product.id).await? else {
        return Ok(Vec::new());
    };
    let mut conn = app.store.acquire().await?;
    issued_sheets_on(&mut conn, app, &scal_id).await
}

/// The SCAL's sheets, read on `conn`, without the requirements scoped out of it: every use of a
/// SCAL (its views, answers, workbook, submission) sees only what was asked.
pub(crate) async fn issued_sheets_on(
    conn: &mut scal_store::Conn,
    app: &App,
    scal_id: &str,
) -> Result<Vec<IssuedSheet>> {
    issued_sheets_matching(conn, app, scal_id, |_| true).await
}

/// [`issued_sheets_on`], only the sheets `keep` accepts (judged on the template's sheet, before
/// anything is copied).
async fn issued_sheets_matching(
    conn: &mut scal_store::Conn,
    app: &App,
    scal_id: &str,
    keep: impl Fn(&TemplateSheet) -> bool,
) -> Result<Vec<IssuedSheet>> {
    let scoped = scals::scoped_out(&mut *conn, scal_id).await?;
    let mut out = Vec::new();
    for record in scals::sheets(&mut *conn, scal_id).await? {
        // Only published versions are issued, and they never change, so their content is cached.
        let content = app.published.get(conn, &record.template_version_id).await?;
        let template_sheet = content
            .iter()
            .find(|s| s.name == record.name)
            .ok_or_else(|| AppError::Internal(format!("sheet {} missing from its template version", record.name)))?;
        if !keep(template_sheet) {
            continue;
        }
        let mut sheet = template_sheet.clone();
        let scoped_out: Vec<(String, String)> = scoped
            .iter()
            .filter(|o| o.scal_sheet_id == record.id)
            .map(|o| (o.requirement_id.clone(), o.reason.clone()))
            .collect();
        sheet
            .requirements
            .retain(|r| !scoped_out.iter().any(|(id, _)| *id == r.id));
        out.push(IssuedSheet {
            record,
            sheet,
            scoped_out,
        });
    }
    Ok(out)
}

/// One requirement of one of the SCAL's issued sheets, read on `conn`: what a save needs, without
/// copying every sheet of the SCAL as [`issued_sheets_on`] does (a save is the commonest write).
pub(crate) enum IssuedRequirement {
    NoSheet,
    /// Not in the sheet, or scoped out of this SCAL.
    NoRequirement,
    Found {
        record: ScalSheetRecord,
        kind: SheetKind,
        requirement: Box<scal_domain::template::Requirement>,
    },
}

pub(crate) async fn issued_requirement_on(
    conn: &mut scal_store::Conn,
    app: &App,
    scal_id: &str,
    sheet_id: &str,
    requirement_id: &str,
) -> Result<IssuedRequirement> {
    let Some(record) = scals::sheets(&mut *conn, scal_id)
        .await?
        .into_iter()
        .find(|s| s.id == sheet_id)
    else {
        return Ok(IssuedRequirement::NoSheet);
    };
    let content = app.published.get(conn, &record.template_version_id).await?;
    let sheet = content
        .iter()
        .find(|s| s.name == record.name)
        .ok_or_else(|| AppError::Internal(format!("sheet {} missing from its template version", record.name)))?;
    let Some(requirement) = sheet.requirements.iter().find(|r| r.id == requirement_id) else {
        return Ok(IssuedRequirement::NoRequirement);
    };
    let scoped_out = scals::scoped_out(&mut *conn, scal_id)
        .await?
        .iter()
        .any(|o| o.scal_sheet_id == record.id && o.requirement_id == requirement_id);
    if scoped_out {
        return Ok(IssuedRequirement::NoRequirement);
    }
    Ok(IssuedRequirement::Found {
        kind: sheet.kind,
        requirement: Box::new(requirement.clone()),
        record,
    })
}

/// One template version's sheets to issue, for a service (or, for an information-only template,
/// none).
#[derive(Debug, Clone)]
pub(crate) struct Pick {
    pub version_id: String,
    pub template_name: String,
    pub version: i64,
    pub service_code: Option<String>,
    pub content: Vec<TemplateSheet>,
}

/// A requirement NHS England takes out of a tailored SCAL.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScopeOut {
    pub service: String,
    pub requirement_id: String,
    pub reason: String,
}

/// What issuing changed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Issued {
    pub scal_id: String,
    pub sheets_added: Vec<String>,
    pub cases_opened: Vec<String>,
}

/// The built-in supplier and product information template's published sheet, created the first
/// time it is needed.
async fn information_template(tx: &mut scal_store::Tx, actor: &Actor, now: OffsetDateTime) -> Result<Pick> {
    use scal_domain::onboarding::{info, information_sheet};
    use scal_store::records::templates::{TemplateRecord, VersionRecord};
    let existing = templates::get_by_name(tx.conn(), info::SHEET_NAME).await?;
    let mut next_version = 1;
    if let Some(template) = existing.clone() {
        let versions = templates::versions(tx.conn(), &template.id).await?;
        next_version = versions.iter().map(|v| v.version).max().unwrap_or(0) + 1;
        if let Some(version) = versions.iter().rev().find(|v| v.published) {
            let content = templates::content(tx.conn(), &version.id).await?;
            let builtin = |s: &TemplateSheet| {
                scal_domain::onboarding::is_builtin_information(s.kind, s.requirements.iter().map(|r| r.id.as_str()))
            };
            if content.iter().any(builtin) {
                return Ok(Pick {
                    version_id: version.id.clone(),
                    template_name: template.name,
                    version: version.version,
                    service_code: None,
                    content,
                });
            }
        }
    }
    let content = vec![information_sheet()];
    let json = serde_json::to_vec(&content).map_err(|e| AppError::Internal(e.to_string()))?;
    // A template of that name whose published versions lack the built-in sheet (someone imported
    // one over it) gets the built-in sheet as its next version, rather than a second template
    // with the same name.
    let new_template = existing.is_none();
    let template = existing.unwrap_or_else(|| TemplateRecord {
        id: new_id(),
        name: info::SHEET_NAME.into(),
        service_code: None,
        created_at: micros(now),
    });
    let version = VersionRecord {
        id: new_id(),
        template_id: template.id.clone(),
        version: next_version,
        published: true,
        source_name: "built in".into(),
        source_sha256: hex::encode(sha2::Sha256::digest(&json)),
        created_at: micros(now),
        published_at: Some(micros(now)),
    };
    if new_template {
        templates::insert_template(tx.conn(), &template).await?;
    }
    templates::insert_version(tx.conn(), &version).await?;
    templates::insert_content(tx, &version.id, &content, new_id).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "template.built_in",
        None,
        &template.id,
        None,
        Some(serde_json::json!({"name": template.name, "version": next_version})),
    ))
    .await?;
    Ok(Pick {
        version_id: version.id,
        template_name: template.name,
        version: next_version,
        service_code: None,
        content,
    })
}

/// Issues template sheets to the product's SCAL inside `tx`: service sheets it does not have yet
/// (by name), one information sheet if it has none, an onboarding case per new service, and the
/// requirements scoped out. When a product with an information sheet is onboarded to another
/// service, the sheet is marked for review.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn issue_in(
    app: &App,
    tx: &mut scal_store::Tx,
    actor: &Actor,
    product: &scal_store::ProductRecord,
    picks: &[Pick],
    scoped_out: &[ScopeOut],
    use_cases: &std::collections::BTreeMap<String, String>,
    now: OffsetDateTime,
) -> Result<Issued> {
    use scal_store::records::cases::{self, CaseRecord};
    let scal_id = match scals::scal_for_product(tx.conn(), &product.id).await? {
        Some(id) => {
            // Not under a reviewer's feet: a round with NHS England is returned first.
            scals::lock_scal(tx, &id).await?;
            ensure_editable(tx, &id).await?;
            id
        }
        None => {
            let id = new_id();
            scals::insert_scal(tx.conn(), &id, &product.id, micros(now)).await?;
            id
        }
    };
    let existing = scals::sheets(tx.conn(), &scal_id).await?;
    // The built-in information sheet is the one the onboarding steps read. A product has exactly
    // one, whatever the templates bring: an information sheet of a service's own template is issued
    // as one of that service's sheets.
    let is_builtin = |sheet: &TemplateSheet| {
        scal_domain::onboarding::is_builtin_information(sheet.kind, sheet.requirements.iter().map(|r| r.id.as_str()))
    };
    let mut had_builtin = false;
    for record in &existing {
        let content = app.published.get(tx.conn(), &record.template_version_id).await?;
        had_builtin |= content.iter().any(|s| s.name == record.name && is_builtin(s));
    }
    let mut added: Vec<ScalSheetRecord> = Vec::new();
    let mut added_content: Vec<TemplateSheet> = Vec::new();
    let mut picks = picks.to_vec();
    if !had_builtin {
        picks.push(information_template(tx, actor, now).await?);
    }
    for pick in &picks {
        for sheet in &pick.content {
            let taken = existing.iter().any(|s| s.name == sheet.name) || added.iter().any(|s| s.name == sheet.name);
            if taken || (had_builtin && is_builtin(sheet)) {
                continue;
            }
            let record = ScalSheetRecord {
                id: new_id(),
                scal_id: scal_id.clone(),
                template_version_id: pick.version_id.clone(),
                name: sheet.name.clone(),
                position: (existing.len() + added.len()) as i64,
                service_code: pick.service_code.clone(),
            };
            scals::insert_sheet(tx.conn(), &record).await?;
            added.push(record);
            added_content.push(sheet.clone());
        }
    }
    let mut problems = Vec::new();
    for scope in scoped_out {
        // A service code in any case, as everywhere else a code is read.
        let requirement_id = scope.requirement_id.trim();
        let sheet = added.iter().zip(&added_content).find(|(record, content)| {
            record
                .service_code
                .as_deref()
                .is_some_and(|code| code.eq_ignore_ascii_case(scope.service.trim()))
                && content.requirements.iter().any(|r| r.id == requirement_id)
        });
        let reason = match scal_domain::field::optional_text("scoped_out", "the reason", &scope.reason, 1_000) {
            Ok(reason) => reason,
            Err(error) => {
                problems.push(error);
                continue;
            }
        };
        match sheet {
            None => problems.push(FieldError::new(
                "scoped_out",
                format!(
                    "Requirement {:?} is not in the sheets issued for {}",
                    scope.requirement_id, scope.service
                ),
            )),
            Some(_) if reason.is_empty() => problems.push(FieldError::new(
                "scoped_out",
                format!("Give a reason for scoping out {}", scope.requirement_id),
            )),
            Some((record, _)) => {
                scals::insert_scoped_out(
                    tx.conn(),
                    &scals::ScopedOutRecord {
                        scal_sheet_id: record.id.clone(),
                        requirement_id: requirement_id.to_string(),
                        reason: reason.clone(),
                    },
                )
                .await
                .map_err(|e| crate::unique_violation(e, "scoped_out", "A requirement is scoped out twice"))?;
            }
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(Invalid(problems)));
    }
    let open: Vec<String> = cases::for_scal(tx.conn(), &scal_id)
        .await?
        .into_iter()
        .map(|c| c.service_code)
        .collect();
    let mut opened = Vec::new();
    for code in picks.iter().filter_map(|p| p.service_code.clone()) {
        if open.contains(&code) || opened.contains(&code) {
            continue;
        }
        cases::insert(
            tx.conn(),
            &CaseRecord {
                id: new_id(),
                scal_id: scal_id.clone(),
                service_code: code.clone(),
                // What the supplier said when asking for the SCAL, if anything.
                use_case: use_cases.get(&code).cloned(),
                created_at: micros(now),
                updated_at: micros(now),
                updated_by: actor.label().to_string(),
            },
        )
        .await?;
        opened.push(code);
    }
    if had_builtin && !opened.is_empty() {
        scals::set_information_review(tx.conn(), &scal_id, true).await?;
    }
    let sheets_added: Vec<String> = added.into_iter().map(|s| s.name).collect();
    let after = serde_json::json!({
        "templates": picks.iter().map(|p| serde_json::json!({"template": p.template_name, "version": p.version, "service": p.service_code})).collect::<Vec<_>>(),
        "sheets_added": sheets_added, "cases_opened": opened, "scoped_out": scoped_out,
        "use_cases": opened.iter().filter_map(|c| use_cases.get(c).map(|u| (c.clone(), u.clone()))).collect::<std::collections::BTreeMap<_, _>>(),
        "information_review": had_builtin && !opened.is_empty(),
    });
    tx.audit(audit_entry(
        actor,
        now,
        "scal.issued",
        Some(&product.org_id),
        &scal_id,
        None,
        Some(after),
    ))
    .await?;
    Ok(Issued {
        scal_id,
        sheets_added,
        cases_opened: opened,
    })
}

/// The published version to issue: `version`, or the latest published one.
pub(crate) async fn pick(
    app: &App,
    actor: &Actor,
    template_id: &str,
    version: Option<i64>,
    service_code: Option<String>,
) -> Result<Pick> {
    let (template, versions) = crate::templates::get(app, actor, template_id).await?;
    let chosen = match version {
        Some(n) => versions.iter().find(|v| v.version == n),
        None => versions.iter().rev().find(|v| v.published),
    }
    .ok_or_else(|| AppError::invalid("version", format!("{} has no such published version", template.name)))?;
    if !chosen.published {
        return Err(AppError::invalid("version", "Only published versions can be issued"));
    }
    Ok(Pick {
        version_id: chosen.id.clone(),
        template_name: template.name.clone(),
        version: chosen.version,
        service_code: service_code.or(template.service_code),
        content: app
            .published
            .get(&mut *app.store.acquire().await?, &chosen.id)
            .await?
            .as_ref()
            .clone(),
    })
}

/// Adds a published template version's sheets to the product's SCAL (NHS England), with the
/// information sheet if it has none and a case for the template's service. Sheets the SCAL
/// already has, by name, are kept as they are. Returns the sheets added.
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
    let pick = pick(app, actor, template_id, version, None).await?;
    let mut tx = app.store.begin().await?;
    let issued = issue_in(app, &mut tx, actor, &product, &[pick], &[], &Default::default(), now).await?;
    tx.commit().await?;
    Ok(issued.sheets_added)
}

/// A SCAL by its ID with its product, if the actor may see it.
pub async fn get_scal(
    app: &App,
    actor: &Actor,
    scal_id: &str,
) -> Result<(scals::ScalRecord, scal_store::ProductRecord)> {
    let scal = scals::get_scal(app.store.pool(), crate::known_id(scal_id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let product = crate::products::get(app, actor, &scal.product_id).await?;
    Ok((scal, product))
}

/// Refuses changes while a submission is with NHS England. Call inside the change's transaction,
/// after locking the SCAL.
pub(crate) async fn ensure_editable(tx: &mut scal_store::Tx, scal_id: &str) -> Result<()> {
    let rounds = scal_store::records::submissions::for_scal(tx.conn(), scal_id).await?;
    // An accepted SCAL reopened since (an uplift, a product change) is the supplier's again.
    if rounds.last().map(|r| r.round_status()) == Some(scal_domain::review::RoundStatus::Accepted)
        && !open_reopenings_on(tx.conn(), scal_id, &rounds).await?.is_empty()
    {
        return Ok(());
    }
    match rounds.last().map(|r| (r.round, r.round_status())) {
        Some((round, scal_domain::review::RoundStatus::Submitted)) => Err(AppError::Conflict(format!(
            "This SCAL was submitted (round {round}) and is with NHS England: it cannot be changed until NHS England returns it or you withdraw it"
        ))),
        Some((round, scal_domain::review::RoundStatus::Accepted)) => Err(AppError::Conflict(format!(
            "NHS England accepted this SCAL (round {round}): it is read-only"
        ))),
        _ => Ok(()),
    }
}

/// An answer as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AnswerInput {
    #[serde(default)]
    pub sheet_id: String,
    #[serde(default)]
    pub requirement_id: String,
    #[serde(default)]
    pub answer: Option<String>,
    #[serde(default)]
    pub justification: Option<String>,
    #[serde(default)]
    pub mitigation: Option<String>,
    /// For a red item: when the mitigation will be in place (YYYY-MM-DD).
    #[serde(default)]
    pub target_date: Option<String>,
}

const MAX_ANSWER_TEXT: usize = 10_000;

/// One text field of an answer, by the domain's one definition of free text (trimmed, no control
/// characters, at most 10,000 characters); empty is `None`.
fn answer_text(field: &str, value: &Option<String>, invalid: &mut Invalid) -> Option<String> {
    let raw = value.as_deref().unwrap_or("");
    invalid
        .check(scal_domain::field::optional_text(field, field, raw, MAX_ANSWER_TEXT))
        .filter(|v| !v.is_empty())
}

/// Saves one answer (supplier). A declaration must be Yes, No or N/A, a date real and, for
/// something that has happened, not in the future; the requirement must be in this SCAL and not
/// scoped out. Nothing is stored unless all of it is valid. A newly red answer tells NHS
/// England's reviewers at once. Returns the requirement as it now stands.
pub async fn save_answer(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    input: &AnswerInput,
    now: OffsetDateTime,
) -> Result<RequirementView> {
    use scal_domain::check::{parse_date, validate_answer_on};
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::AnswerScal, Some(&product.org_id))?;
    let requirement_id = input.requirement_id.trim();
    let issued = {
        let mut conn = app.store.acquire().await?;
        issued_requirement_on(&mut conn, app, &scal.id, &input.sheet_id, requirement_id).await?
    };
    let (sheet_record, sheet_kind, requirement) = match issued {
        IssuedRequirement::Found {
            record,
            kind,
            requirement,
        } => (record, kind, requirement),
        IssuedRequirement::NoSheet => {
            return Err(AppError::invalid("sheet_id", "There is no such sheet in this SCAL"));
        }
        IssuedRequirement::NoRequirement => {
            return Err(AppError::invalid(
                "requirement_id",
                format!("Requirement {requirement_id:?} is not in this sheet of the SCAL"),
            ));
        }
    };
    let requirement = &*requirement;
    let mut invalid = Invalid::default();
    let response = answer_text("answer", &input.answer, &mut invalid);
    if let Err(error) = validate_answer_on(requirement, response.as_deref().unwrap_or(""), now.date()) {
        invalid.0.push(error);
    }
    if requirement.id == scal_domain::onboarding::info::ODS && sheet_kind == SheetKind::Information {
        if let (Some(given), Some(org)) = (
            response.as_deref(),
            scal_store::records::organisations::get(app.store.pool(), &product.org_id).await?,
        ) {
            if let Err(error) = scal_domain::onboarding::check_own_ods(given, &org.name, &org.ods_code) {
                invalid.0.push(error);
            }
        }
    }
    // Stored in its one spelling (the rule every path storing an answer follows), so "y" and
    // "YES" both read back as Yes. Invalid values were reported just above.
    let response = response.and_then(|raw| canonical_answer(&requirement.answer_kind, &raw).ok().flatten());
    let justification = answer_text("justification", &input.justification, &mut invalid);
    let mitigation = answer_text("mitigation", &input.mitigation, &mut invalid);
    let target_date = match cell(&input.target_date) {
        None => None,
        Some(raw) => match parse_date(&raw) {
            Ok(date) => Some(date.to_string()),
            Err(error) => {
                // The one parser's reason (no such month, no such day), on this field.
                invalid.0.push(FieldError::new("target_date", error.message));
                None
            }
        },
    };
    if !invalid.is_empty() {
        return Err(AppError::Invalid(invalid));
    }
    let mut tx = app.store.begin().await?;
    scals::lock_scal(&mut tx, &scal.id).await?;
    ensure_editable(&mut tx, &scal.id).await?;
    let before = scals::answer(tx.conn(), &sheet_record.id, &requirement.id).await?;
    // An attachment question is answered by linking files (`evidence::link`), never by typing.
    let response = if !requirement.answer_kind.answered_by_typing() {
        before.as_ref().and_then(|a| a.response.clone())
    } else {
        response
    };
    let record = AnswerRecord {
        scal_sheet_id: sheet_record.id.clone(),
        requirement_id: requirement.id.clone(),
        response,
        justification,
        mitigation,
        target_date,
        updated_at: micros(now),
        updated_by: actor.label().to_string(),
        // Not from a workbook: a later import of an older export reports it as a conflict, even
        // the same user's (the form is another copy of the answer than their file).
        imported_from: None,
    };
    scals::upsert_answer(&mut tx, &record).await?;
    // Saving an answer an uplift flagged (changed or not) is the supplier confirming it.
    scal_store::records::reopenings::confirm_item(
        tx.conn(),
        &scal.id,
        &sheet_record.name,
        &requirement.id,
        actor.label(),
        micros(now),
    )
    .await?;
    let old_rag =
        scal_domain::template::requirement_rag(requirement, before.as_ref().and_then(|a| a.response.as_deref()));
    let rag = scal_domain::template::requirement_rag(requirement, record.response.as_deref());
    let summary = |a: &AnswerRecord| serde_json::json!({"answer": a.response, "justification": a.justification, "mitigation": a.mitigation, "target_date": a.target_date});
    tx.audit(audit_entry(
        actor,
        now,
        "answer.saved",
        Some(&product.org_id),
        &scal.id,
        before.as_ref().map(summary),
        Some(serde_json::json!({"sheet": sheet_record.name, "requirement_id": requirement.id, "answer": summary(&record), "rag": rag.as_str()})),
    ))
    .await?;
    if rag == Rag::Red && old_rag != Rag::Red {
        tell_red(
            &mut tx,
            &product,
            &scal.id,
            &[(sheet_record.name.clone(), requirement.id.clone())],
            now,
        )
        .await?;
    }
    let evidence = scal_store::records::evidence::links_for_requirement(tx.conn(), &sheet_record.id, &requirement.id)
        .await?
        .into_iter()
        .map(|(_, file)| file.into())
        .collect();
    tx.commit().await?;
    Ok(RequirementView {
        requirement: requirement.clone(),
        answer: record.response,
        justification: record.justification,
        mitigation: record.mitigation,
        target_date: record.target_date,
        evidence,
        rag,
        updated_by: Some(record.updated_by),
        updated_at: Some(record.updated_at),
    })
}

/// Tells NHS England's reviewers that answers turned red.
/// `rows` are (sheet name, requirement ID); the reviewers told are those of the sheets' services
/// (for the information sheet, of every service the SCAL covers).
async fn tell_red(
    tx: &mut scal_store::Tx,
    product: &scal_store::ProductRecord,
    scal_id: &str,
    rows: &[(String, String)],
    now: OffsetDateTime,
) -> Result<()> {
    let sheets = scals::sheets(tx.conn(), scal_id).await?;
    let mut services: Vec<String> = rows
        .iter()
        .filter_map(|(sheet, _)| sheets.iter().find(|s| s.name == *sheet)?.service_code.clone())
        .collect();
    // The information sheet has no service of its own: it serves them all.
    let on_information = rows
        .iter()
        .any(|(sheet, _)| sheets.iter().any(|s| s.name == *sheet && s.service_code.is_none()));
    if on_information {
        let cases = scal_store::records::cases::for_scal(tx.conn(), scal_id).await?;
        services.extend(cases.into_iter().map(|c| c.service_code));
    }
    services.sort();
    services.dedup();
    let reviewers = crate::notifications::reviewers(tx, &services).await?;
    let which = rows
        .iter()
        .map(|(sheet, id)| format!("{id} ({sheet})"))
        .collect::<Vec<_>>()
        .join(", ");
    let title = product.details.title();
    let message = format!("Red item on {title}: {which} answered No to a MUST");
    // One red item: the link goes to the requirement itself; several: to the SCAL.
    let link = match rows {
        [(sheet, id)] => sheets.iter().find(|s| s.name == *sheet).map(|s| {
            format!(
                "/scals/{scal_id}/sheets/{}/requirements/{}",
                s.id,
                urlencoding::encode(id)
            )
        }),
        _ => None,
    }
    .unwrap_or_else(|| format!("/scals/{scal_id}"));
    crate::notifications::tell(
        tx,
        &reviewers,
        "red_item",
        &format!("SCAL red item: {title}"),
        &message,
        &link,
        now,
    )
    .await
}

/// Confirms the information sheet again after the product was onboarded to another service.
pub async fn confirm_information(app: &App, actor: &Actor, scal_id: &str, now: OffsetDateTime) -> Result<()> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::AnswerScal, Some(&product.org_id))?;
    let mut tx = app.store.begin().await?;
    let scal = scals::lock_scal(&mut tx, &scal.id).await?.ok_or(AppError::NotFound)?;
    ensure_editable(&mut tx, &scal.id).await?;
    scals::set_information_review(tx.conn(), &scal.id, false).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "scal.information_confirmed",
        Some(&product.org_id),
        &scal.id,
        Some(serde_json::json!({"information_review": scal.information_review})),
        Some(serde_json::json!({"information_review": false})),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
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
    for answer in scals::answers(&mut *app.store.acquire().await?, &scal_id).await? {
        if let Some(sheet) = by_sheet.get(answer.scal_sheet_id.as_str()) {
            answers.insert(
                ((*sheet).to_string(), answer.requirement_id.clone()),
                scal_workbook::ExportedAnswer {
                    response: answer.response,
                    justification: answer.justification,
                    mitigation: answer.mitigation,
                    target_date: answer.target_date,
                },
            );
        }
    }
    let content: Vec<TemplateSheet> = issued.iter().map(|s| s.sheet.clone()).collect();
    let stamp = now.format(&Rfc3339).unwrap_or_default();
    let name = format!("SCAL for {}", product.details.title());
    // The certificate, as in NHS England's process: its own sheet, the newest not revoked (else
    // the newest), with its status today.
    let certificates = crate::certificates::for_scal(app, actor, &scal_id, now.date()).await?;
    let certificate = certificates
        .iter()
        .find(|c| c.record.revoked_at.is_none())
        .or(certificates.first())
        .map(|view| {
            let url = crate::certificate_documents::verify_url(&app.settings.public_url, &view.record.id);
            crate::certificate_documents::fact_rows(view, now.date(), &url)
        });
    let bytes = scal_workbook::export_with_certificate(
        &scal_workbook::Export {
            template_id: "",
            template_name: &name,
            version: 0,
            product_id: Some(&product.id),
            stamp: &stamp,
            sheets: &content,
            answers: &answers,
        },
        certificate.as_deref(),
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(ExportedWorkbook::named(&name, bytes))
}

/// A row whose server answer changed after the workbook was exported, by someone else or in
/// another way than importing this same export.
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
    /// How the workbook differs from what was exported: rows or sheets deleted (their stored
    /// answers are kept), a sheet renamed, a level edited (the template's applies).
    pub warnings: Vec<ImportWarning>,
}

/// Something about the workbook that did not stop the import but must not pass unnoticed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ImportWarning {
    pub sheet: String,
    /// 0 for the whole sheet.
    pub row: usize,
    /// Empty for the whole sheet.
    pub requirement_id: String,
    pub message: String,
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
    /// Shared, so parsing on the blocking pool needs no copy of the upload.
    pub bytes: bytes::Bytes,
    /// Apply rows changed on the server since the export too.
    pub overwrite: bool,
}

/// Reads a completed workbook and applies its answers, matched by sheet and requirement ID, never
/// by position. Every invalid value is reported by sheet, row and column, and then nothing is
/// applied. Rows changed on the server after the workbook's export stamp are conflicts (left
/// alone, unless `overwrite`), except those this user's own earlier import of the same export
/// wrote: importing an edited copy of your own file again carries on with it.
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
    let (file_name, overwrite) = (upload.file_name.as_str(), upload.overwrite);
    let product = crate::products::get(app, actor, product_id).await?;
    authorize(actor, Action::AnswerScal, Some(&product.org_id))?;
    let issued = sheets(app, actor, &product.id).await?;
    if issued.is_empty() {
        return Err(AppError::invalid(
            "product",
            "No SCAL has been issued for this product yet",
        ));
    }
    progress.step(0, 3, &format!("Reading {file_name}"));
    // Parsing is slow and synchronous: on the blocking pool, behind the workbook gate, so a few
    // large uploads cannot starve other requests (past the gate's queue: busy, 503).
    let (bytes, sheet_name) = (upload.bytes.clone(), crate::templates::stem(file_name).to_string());
    let (exported_at, imported, unsaved_formulas) = app
        .gates
        .workbook
        .run(move || -> Result<_> {
            let (grids, unsaved_formulas) = read_with_formulas(&bytes, &sheet_name, limits)
                .map_err(|e| AppError::invalid("file", e.to_string()))?;
            let exported_at = grids
                .iter()
                .find(|g| g.name == scal_workbook::METADATA_SHEET)
                .and_then(|g| g.rows.iter().find(|r| r.first().is_some_and(|k| k == "exported_at")))
                .and_then(|r| r.get(1).cloned())
                .filter(|v| !v.is_empty());
            // Held to its `_scal` record: renamed sheets matched, edited levels put back, deleted
            // rows and sheets found (reported below, never silently left unanswered).
            let imported = import_exported(&grids, &Default::default()).map_err(|e| match e {
                ImportError::Invalid { problems, .. } => AppError::Invalid(Invalid(
                    problems
                        .iter()
                        .map(|p| FieldError::new("file", p.to_string()))
                        .collect(),
                )),
                other => AppError::invalid("file", other.to_string()),
            })?;
            Ok((exported_at, imported, unsaved_formulas))
        })
        .await??;
    // A workbook exported for another product must never be applied to this one.
    if let Some(other) = scal_domain::manifest::product_mismatch(imported.manifest.as_ref(), &product.id) {
        // Named by its title when the actor may see it; otherwise only by the ID the file carries.
        let other_name = match crate::products::get(app, actor, &other).await {
            Ok(p) => format!("{:?} ({other})", p.details.title()),
            Err(_) => other.clone(),
        };
        return Err(AppError::invalid(
            "file",
            format!(
                "This workbook was exported for product {other_name}, not for {:?} ({}): download this product's workbook and copy the answers into it",
                product.details.title(),
                product.id
            ),
        ));
    }
    let file_sheets = imported.sheets;
    let warnings: Vec<ImportWarning> = imported
        .findings
        .into_iter()
        .map(|f| ImportWarning {
            message: if f.blocking && !f.requirement_id.is_empty() {
                format!("{}; its stored answer is kept", f.message)
            } else {
                f.message
            },
            sheet: f.sheet,
            row: f.row,
            requirement_id: f.requirement_id,
        })
        .collect();
    let has_metadata = imported.manifest.is_some();
    progress.step(1, 3, &format!("Checking {} sheets", file_sheets.len()));
    let stamp = match &exported_at {
        Some(raw) => Some(micros(OffsetDateTime::parse(raw, &Rfc3339).map_err(|_| {
            AppError::invalid("file", format!("the export stamp {raw:?} is not a time"))
        })?)),
        None => None,
    };

    let mut problems = Vec::new();
    let mut incoming = Vec::new();
    for file_sheet in &file_sheets {
        let Some(issued_sheet) = issued.iter().find(|s| s.sheet.name == file_sheet.name) else {
            // Without the record a renamed sheet cannot be matched: say so, it is the likely cause.
            let why = if has_metadata {
                ""
            } else {
                " (the workbook has no _scal sheet, which scal's export records sheet names in, so a renamed sheet cannot be matched: give it its exported name)"
            };
            problems.push(format!(
                "sheet {:?}: not part of this product's SCAL{why}",
                file_sheet.name
            ));
            continue;
        };
        let response_column = file_sheet
            .answer_columns
            .get("response")
            .cloned()
            .unwrap_or_else(|| "?".into());
        let id_column = "A";
        for row in &file_sheet.rows {
            // A formula never computed reads as empty: applying it would clear the stored answer.
            let unsaved: Vec<_> = unsaved_formulas
                .iter()
                .filter(|c| c.sheet == file_sheet.name && c.row == row.row)
                .collect();
            if !unsaved.is_empty() {
                problems.extend(
                    unsaved
                        .into_iter()
                        .map(|c| format!("sheet {:?}, {}", file_sheet.name, c.message())),
                );
                continue;
            }
            if issued_sheet.is_scoped_out(&row.requirement.id) {
                // A blank row of a requirement NHS England took out (an untailored workbook) is
                // fine; an answer to it is not.
                let answered = [&row.response, &row.justification, &row.mitigation]
                    .into_iter()
                    .any(|v| cell(v).is_some());
                if !answered {
                    continue;
                }
                problems.push(format!(
                    "sheet {:?}, row {}, column {id_column}: requirement {:?} is scoped out of this SCAL",
                    file_sheet.name, row.row, row.requirement.id
                ));
                continue;
            }
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
            let mut texts = Invalid::default();
            answer_text("justification", &row.justification, &mut texts);
            answer_text("mitigation", &row.mitigation, &mut texts);
            for error in texts.0 {
                let column = file_sheet
                    .answer_columns
                    .get(error.field.as_str())
                    .cloned()
                    .unwrap_or_else(|| "?".into());
                problems.push(format!(
                    "sheet {:?}, row {}, column {column}: {}",
                    file_sheet.name, row.row, error.message
                ));
            }
            if let Err(error) = validate_answer_on(requirement, row.response.as_deref().unwrap_or(""), now.date()) {
                problems.push(format!(
                    "sheet {:?}, row {}, column {response_column}: {}",
                    file_sheet.name, row.row, error.message
                ));
                continue;
            }
            // A workbook without the column (an older export) leaves stored target dates alone.
            let target_column = file_sheet.answer_columns.get("target_date");
            if let (Some(column), Some(raw)) = (target_column, cell(&row.target_date)) {
                if let Err(error) = scal_domain::check::parse_date(&raw) {
                    problems.push(format!(
                        "sheet {:?}, row {}, column {column}: target date: {}",
                        file_sheet.name, row.row, error.message
                    ));
                    continue;
                }
            }
            incoming.push((
                issued_sheet.record.id.clone(),
                file_sheet.name.clone(),
                row.clone(),
                requirement.clone(),
                target_column.is_some(),
            ));
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
    scals::lock_scal(&mut tx, &scal_id).await?;
    ensure_editable(&mut tx, &scal_id).await?;
    let mut newly_red = Vec::new();
    let current: HashMap<(String, String), AnswerRecord> = scals::answers_locked(&mut tx, &scal_id)
        .await?
        .into_iter()
        .map(|a| ((a.scal_sheet_id.clone(), a.requirement_id.clone()), a))
        .collect();
    let mut report = AnswersReport {
        exported_at: exported_at.clone(),
        warnings,
        ..Default::default()
    };
    let mut changes = Vec::new();
    for (sheet_id, sheet_name, row, requirement, has_target_date) in incoming {
        let server = current.get(&(sheet_id.clone(), row.requirement.id.clone()));
        // An attachment question's answer is the names of its linked files, never a typed value.
        let response = if !requirement.answer_kind.answered_by_typing() {
            server.and_then(|a| a.response.clone())
        } else {
            // The one stored spelling, as saving one answer stores it (validated above).
            cell(&row.response).and_then(|raw| canonical_answer(&requirement.answer_kind, &raw).ok().flatten())
        };
        let stored_target = server.and_then(|a| a.target_date.clone());
        let target_date = if has_target_date {
            // Validated above; stored as saving an answer stores it (ISO 8601).
            cell(&row.target_date)
                .and_then(|d| scal_domain::check::parse_date(&d).ok())
                .map(|d| d.to_string())
        } else {
            stored_target.clone()
        };
        let new = (response, cell(&row.justification), cell(&row.mitigation), target_date);
        let old = server
            .map(|a| {
                (
                    a.response.clone(),
                    a.justification.clone(),
                    a.mitigation.clone(),
                    stored_target.clone(),
                )
            })
            .unwrap_or_default();
        if new == old {
            report.unchanged += 1;
            continue;
        }
        if let Some(server) = server {
            // A change after the export is a conflict unless it is this same workbook's own
            // earlier import by this same user: a supplier who exports, imports, edits the file
            // further and imports it again is carrying on with their own copy, so the rows their
            // first import wrote are not someone else's change. Anything else (another user, or
            // this user through the form, the API or an import of another export) is a conflict.
            // Recording the source on the answer (`imported_from`, cleared by every other path)
            // is the simplest sound test: no history to search, and it survives any number of
            // imports in between. Two copies of one export imported by one user count as one file.
            let own_import = stamp.is_some() && server.imported_from == stamp && server.updated_by == actor.label();
            let changed_since_export = stamp.is_none_or(|stamp| server.updated_at > stamp) && !own_import;
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
            target_date: new.3.clone(),
            updated_at: micros(now),
            updated_by: actor.label().to_string(),
            imported_from: stamp,
        };
        scals::upsert_answer(&mut tx, &record).await?;
        let red = |answer: Option<&str>| scal_domain::template::requirement_rag(&requirement, answer) == Rag::Red;
        if red(record.response.as_deref()) && !red(old.0.as_deref()) {
            newly_red.push((sheet_name.clone(), record.requirement_id.clone()));
        }
        changes.push(serde_json::json!({
            "sheet": &sheet_name, "requirement_id": record.requirement_id,
            "before": {"response": old.0, "justification": old.1, "mitigation": old.2, "target_date": old.3},
            "after": {"response": new.0, "justification": new.1, "mitigation": new.2, "target_date": new.3},
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
    if !newly_red.is_empty() {
        tell_red(&mut tx, &product, &scal_id, &newly_red, now).await?;
    }
    tx.commit().await?;
    progress.step(3, 3, "Applied");
    Ok(report)
}

/// A file backing a requirement.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EvidenceRef {
    pub id: String,
    pub file_name: String,
    pub sha256: String,
}

impl From<scal_store::records::evidence::EvidenceRecord> for EvidenceRef {
    fn from(file: scal_store::records::evidence::EvidenceRecord) -> Self {
        Self {
            id: file.id,
            file_name: file.file_name,
            sha256: file.sha256,
        }
    }
}

/// One requirement of a product's SCAL with its answer and colour.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RequirementView {
    pub requirement: scal_domain::template::Requirement,
    pub answer: Option<String>,
    pub justification: Option<String>,
    pub mitigation: Option<String>,
    pub target_date: Option<String>,
    pub evidence: Vec<EvidenceRef>,
    pub rag: scal_domain::template::Rag,
    /// Who last changed the answer, and when (microseconds since the epoch).
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
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
        match rag {
            Rag::Red => self.red += 1,
            Rag::Amber => self.amber += 1,
            Rag::Green => self.green += 1,
            Rag::None => self.unanswered += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.red + self.amber + self.green + self.unanswered
    }

    pub fn answered(&self) -> usize {
        self.total() - self.unanswered
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SheetView {
    pub id: String,
    pub name: String,
    pub kind: scal_domain::template::SheetKind,
    pub service_code: Option<String>,
    pub requirements: Vec<RequirementView>,
    /// Requirements NHS England took out of this SCAL: (ID, reason).
    pub scoped_out: Vec<(String, String)>,
    pub summary: RagSummary,
}

/// The product's SCAL with every answer coloured by the one rule.
pub async fn view(app: &App, actor: &Actor, product_id: &str) -> Result<(Vec<SheetView>, RagSummary)> {
    let product = crate::products::get(app, actor, product_id).await?;
    let Some(scal_id) = scals::scal_for_product(app.store.pool(), &product.id).await? else {
        return Ok((Vec::new(), RagSummary::default()));
    };
    let mut conn = app.store.acquire().await?;
    sheet_views_on(&mut conn, app, &scal_id).await
}

/// The SCAL's sheets with answers, evidence and colours, read on `conn`.
async fn sheet_views_on(conn: &mut scal_store::Conn, app: &App, scal_id: &str) -> Result<(Vec<SheetView>, RagSummary)> {
    sheet_views_of(conn, app, scal_id, Sheets::All).await
}

/// Which of a SCAL's sheets a view reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sheets {
    All,
    /// Only the built-in information sheet: all that a SCAL's status and onboarding steps read.
    Information,
}

async fn sheet_views_of(
    conn: &mut scal_store::Conn,
    app: &App,
    scal_id: &str,
    which: Sheets,
) -> Result<(Vec<SheetView>, RagSummary)> {
    let issued = issued_sheets_matching(conn, app, scal_id, |sheet| match which {
        Sheets::All => true,
        Sheets::Information => scal_domain::onboarding::is_builtin_information(
            sheet.kind,
            sheet.requirements.iter().map(|r| r.id.as_str()),
        ),
    })
    .await?;
    let only: Option<Vec<&str>> =
        (which == Sheets::Information).then(|| issued.iter().map(|s| s.record.id.as_str()).collect());
    let mut answers: HashMap<(String, String), AnswerRecord> = HashMap::new();
    let read = match &only {
        None => scals::answers(&mut *conn, scal_id).await?,
        Some(sheet_ids) => {
            let mut read = Vec::new();
            for sheet_id in sheet_ids {
                read.extend(scals::answers_of_sheet(&mut *conn, scal_id, sheet_id).await?);
            }
            read
        }
    };
    for answer in read {
        answers.insert((answer.scal_sheet_id.clone(), answer.requirement_id.clone()), answer);
    }
    let mut evidence: HashMap<(String, String), Vec<EvidenceRef>> = HashMap::new();
    for (link, file) in scal_store::records::evidence::links_for_scal(&mut *conn, scal_id).await? {
        evidence
            .entry((link.scal_sheet_id, link.requirement_id))
            .or_default()
            .push(file.into());
    }
    let mut total = RagSummary::default();
    let mut views = Vec::new();
    for issued_sheet in issued {
        let sheet_id = issued_sheet.record.id.clone();
        let mut summary = RagSummary::default();
        let requirements = issued_sheet
            .sheet
            .requirements
            .into_iter()
            .map(|requirement| {
                let key = (sheet_id.clone(), requirement.id.clone());
                let answer = answers.get(&key);
                let response = answer.and_then(|a| a.response.clone());
                let rag = scal_domain::template::requirement_rag(&requirement, response.as_deref());
                summary.add(rag);
                total.add(rag);
                RequirementView {
                    requirement,
                    answer: response,
                    justification: answer.and_then(|a| a.justification.clone()),
                    mitigation: answer.and_then(|a| a.mitigation.clone()),
                    target_date: answer.and_then(|a| a.target_date.clone()),
                    evidence: evidence.remove(&key).unwrap_or_default(),
                    rag,
                    updated_by: answer.map(|a| a.updated_by.clone()),
                    updated_at: answer.map(|a| a.updated_at),
                }
            })
            .collect();
        views.push(SheetView {
            id: sheet_id,
            name: issued_sheet.sheet.name,
            kind: issued_sheet.sheet.kind,
            service_code: issued_sheet.record.service_code,
            requirements,
            scoped_out: issued_sheet.scoped_out,
            summary,
        });
    }
    Ok((views, total))
}

/// A SCAL by ID: its product, sheets, colours and rounds.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScalView {
    pub scal: scals::ScalRecord,
    pub product: scal_store::ProductRecord,
    pub sheets: Vec<SheetView>,
    pub summary: RagSummary,
    pub rounds: Vec<scal_store::records::submissions::SubmissionRecord>,
    /// Reopenings still open (an uplift or a product change not yet accepted), oldest first.
    pub reopened: Vec<scal_store::records::reopenings::ReopeningRecord>,
    /// Requirements an uplift changed whose answers are not confirmed yet.
    pub to_confirm: Vec<scal_store::records::reopenings::ReopenedItem>,
    /// Sheets a product change reopened that are not confirmed yet.
    pub sheets_to_confirm: Vec<scal_store::records::reopenings::ReopenedSheet>,
}

impl ScalView {
    /// Submitted and with NHS England, or accepted and not reopened since: the supplier cannot
    /// change it.
    pub fn locked(&self) -> bool {
        self.rounds.last().is_some_and(|r| match r.round_status() {
            scal_domain::review::RoundStatus::Submitted => true,
            scal_domain::review::RoundStatus::Accepted => self.reopened.is_empty(),
            _ => false,
        })
    }

    /// The status's reopening: the latest open one (why, and when it is due back).
    pub fn reopening(&self) -> Option<scal_domain::status::Reopening<'_>> {
        self.reopened.last().map(|r| scal_domain::status::Reopening {
            reason: &r.reason,
            due: r.due_date.as_deref().and_then(crate::stored_date),
        })
    }

    /// Whether an uplift changed this requirement and its answer still needs confirming.
    pub fn needs_confirming(&self, sheet: &str, requirement_id: &str) -> Option<&str> {
        self.to_confirm
            .iter()
            .find(|i| i.sheet == sheet && i.requirement_id == requirement_id)
            .map(|i| i.what.as_str())
    }

    /// The accepted round, when the latest round is accepted: the accepted SCAL.
    pub fn accepted_round(&self) -> Option<&scal_store::records::submissions::SubmissionRecord> {
        self.rounds
            .last()
            .filter(|r| r.round_status() == scal_domain::review::RoundStatus::Accepted)
    }

    /// The built-in supplier and product information sheet, which the onboarding steps read.
    pub fn information_sheet(&self) -> Option<&SheetView> {
        self.sheets.iter().find(|s| {
            scal_domain::onboarding::is_builtin_information(
                s.kind,
                s.requirements.iter().map(|r| r.requirement.id.as_str()),
            )
        })
    }

    /// The sheet's rows as the readiness rules read them.
    pub fn answered_sheets(&self) -> Vec<scal_domain::check::AnsweredSheet> {
        self.sheets
            .iter()
            .map(|sheet| scal_domain::check::AnsweredSheet {
                name: sheet.name.clone(),
                kind: sheet.kind,
                rows: sheet
                    .requirements
                    .iter()
                    .map(|r| scal_domain::check::AnsweredRow {
                        row: 0,
                        requirement: r.requirement.clone(),
                        response: r.answer.clone(),
                        justification: r.justification.clone(),
                        mitigation: r.mitigation.clone(),
                        target_date: r.target_date.clone(),
                    })
                    .collect(),
            })
            .collect()
    }
}

pub async fn view_scal(app: &App, actor: &Actor, scal_id: &str) -> Result<ScalView> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    let mut conn = app.store.acquire().await?;
    scal_view_on(&mut conn, app, scal, product).await
}

/// The SCAL read on `conn`: a pooled connection, or a transaction's so that what is read is what
/// the transaction sees.
pub(crate) async fn scal_view_on(
    conn: &mut scal_store::Conn,
    app: &App,
    scal: scals::ScalRecord,
    product: scal_store::ProductRecord,
) -> Result<ScalView> {
    scal_view_of(conn, app, scal, product, Sheets::All).await
}

/// The SCAL read on `conn` with only its information sheet: what its status and onboarding steps
/// are derived from (`cases::overview`), without reading every service sheet's answers. Not for
/// anything that shows or counts answers.
pub(crate) async fn status_view_on(
    conn: &mut scal_store::Conn,
    app: &App,
    scal: scals::ScalRecord,
    product: scal_store::ProductRecord,
) -> Result<ScalView> {
    scal_view_of(conn, app, scal, product, Sheets::Information).await
}

async fn scal_view_of(
    conn: &mut scal_store::Conn,
    app: &App,
    scal: scals::ScalRecord,
    product: scal_store::ProductRecord,
    which: Sheets,
) -> Result<ScalView> {
    let (sheets, summary) = sheet_views_of(conn, app, &scal.id, which).await?;
    let rounds = scal_store::records::submissions::for_scal(&mut *conn, &scal.id).await?;
    let reopened = open_reopenings_on(conn, &scal.id, &rounds).await?;
    let to_confirm = scal_store::records::reopenings::items(&mut *conn, &scal.id)
        .await?
        .into_iter()
        .filter(|i| i.confirmed_at.is_none())
        .collect();
    let sheets_to_confirm = scal_store::records::reopenings::sheets(&mut *conn, &scal.id)
        .await?
        .into_iter()
        .filter(|s| s.confirmed_at.is_none())
        .collect();
    Ok(ScalView {
        scal,
        product,
        sheets,
        summary,
        rounds,
        reopened,
        to_confirm,
        sheets_to_confirm,
    })
}

/// The SCAL's reopenings still open (`uplift::is_open`), oldest first.
pub(crate) async fn open_reopenings_on(
    conn: &mut scal_store::Conn,
    scal_id: &str,
    rounds: &[scal_store::records::submissions::SubmissionRecord],
) -> Result<Vec<scal_store::records::reopenings::ReopeningRecord>> {
    let decided: Vec<(i64, bool)> = rounds
        .iter()
        .map(|r| (r.round, r.round_status() == scal_domain::review::RoundStatus::Accepted))
        .collect();
    Ok(scal_store::records::reopenings::for_scal(&mut *conn, scal_id)
        .await?
        .into_iter()
        .filter(|r| scal_domain::uplift::is_open(r.after_round, decided.iter().copied()))
        .collect())
}
