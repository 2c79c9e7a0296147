//! Re-assurance: NHS England sees which SCALs use an older version of a template and what a new
//! version changes for each (`uplift::impact`), and uplifts them with a due date; a supplier
//! declares a product change. Either reopens the SCAL (a `reopenings` row; open until a round
//! submitted after it is accepted): added requirements appear unanswered, changed ones keep their
//! answer flagged to confirm, removed ones are archived with their last answer; a product change
//! reopens the information sheet and the affected services' sheets for confirmation. The next
//! submission is reviewed on the delta: the review's carried verdicts cover everything unchanged.

use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::review::RoundStatus;
use scal_domain::uplift::{self, Delta};
use scal_domain::Invalid;
use scal_store::records::reopenings::{self, ReopenedItem, ReopenedSheet, ReopeningRecord};
use scal_store::records::{organisations, scals};
use time::OffsetDateTime;

use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// One SCAL an uplift would change.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Affected {
    pub scal_id: String,
    pub product_id: String,
    pub product: String,
    pub supplier: String,
    /// The SCAL's status now (its code and label).
    pub status: String,
    pub status_label: String,
    /// The versions of the template its sheets are on now.
    pub from_versions: Vec<i64>,
    pub delta: Delta,
}

/// Every SCAL on an older version of a template than `version`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Impact {
    pub template_id: String,
    pub template: String,
    pub version: i64,
    pub affected: Vec<Affected>,
}

/// The SCAL's sheets from the template (as issued: scoped-out requirements out) and the delta to
/// `pick`, read on `conn`.
async fn delta_on(
    conn: &mut scal_store::Conn,
    app: &App,
    scal_id: &str,
    template_sheets: &[scals::ScalSheetRecord],
    pick: &crate::scals::Pick,
) -> Result<(Delta, Vec<crate::scals::IssuedSheet>)> {
    let issued = crate::scals::issued_sheets_on(conn, app, scal_id).await?;
    let ours: Vec<crate::scals::IssuedSheet> = issued
        .into_iter()
        .filter(|s| template_sheets.iter().any(|t| t.id == s.record.id))
        .collect();
    // Each sheet is compared under its name in the new version (a renamed sheet of a one-sheet
    // template is the same sheet).
    let old: Vec<scal_domain::template::TemplateSheet> = ours
        .iter()
        .map(|s| {
            let mut sheet = s.sheet.clone();
            if let Some(name) = new_name(&s.record.name, ours.len(), pick) {
                sheet.name = name;
            }
            sheet
        })
        .collect();
    let scoped: Vec<String> = ours
        .iter()
        .flat_map(|s| s.scoped_out.iter().map(|(id, _)| id.clone()))
        .collect();
    Ok((uplift::impact(&old, &pick.content, &scoped), ours))
}

/// What an issued sheet is called in the new version: the same name, or, when the template has
/// one sheet before and after, the new version's only sheet. `None`: it has no counterpart.
fn new_name(old: &str, sheets_from_template: usize, pick: &crate::scals::Pick) -> Option<String> {
    if pick.content.iter().any(|c| c.name == old) {
        return Some(old.to_string());
    }
    match pick.content.as_slice() {
        [only] if sheets_from_template == 1 => Some(only.name.clone()),
        _ => None,
    }
}

/// Which SCALs use an older version of the template than `version` (default: the latest
/// published), in every state, each with its delta (NHS England).
pub async fn impact(
    app: &App,
    actor: &Actor,
    template_id: &str,
    version: Option<i64>,
    now: OffsetDateTime,
) -> Result<Impact> {
    authorize(actor, Action::IssueScal, None)?;
    let pick = crate::scals::pick(app, actor, template_id, version, None).await?;
    let (template, versions) = crate::templates::get(app, actor, template_id).await?;
    let number = |version_id: &str| versions.iter().find(|v| v.id == version_id).map(|v| v.version);
    let sheets = scals::sheets_of_template(app.store.pool(), &template.id).await?;
    let mut scal_ids: Vec<String> = Vec::new();
    for s in &sheets {
        if !scal_ids.contains(&s.scal_id) {
            scal_ids.push(s.scal_id.clone());
        }
    }
    let mut affected = Vec::new();
    for scal_id in scal_ids {
        let ours: Vec<scals::ScalSheetRecord> = sheets.iter().filter(|s| s.scal_id == scal_id).cloned().collect();
        let from: Vec<i64> = {
            let mut v: Vec<i64> = ours.iter().filter_map(|s| number(&s.template_version_id)).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        if from.iter().all(|n| *n >= pick.version) {
            continue;
        }
        let (delta, _) = {
            let mut conn = app.store.acquire().await?;
            delta_on(&mut conn, app, &scal_id, &ours, &pick).await?
        };
        let crate::cases::Overview { status, product, .. } = crate::cases::overview(app, actor, &scal_id, now).await?;
        let supplier = organisations::get(app.store.pool(), &product.org_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        affected.push(Affected {
            scal_id,
            product_id: product.id.clone(),
            product: product.details.title(),
            supplier,
            status: status.code().into(),
            status_label: status.label(),
            from_versions: from,
            delta,
        });
    }
    Ok(Impact {
        template_id: template.id,
        template: template.name,
        version: pick.version,
        affected,
    })
}

/// A SCAL uplifted.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Uplifted {
    pub scal_id: String,
    pub product: String,
    pub reopening_id: String,
    pub delta: Delta,
}

/// What an uplift did: the SCALs uplifted and those left, each with why.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct UpliftOutcome {
    pub uplifted: Vec<Uplifted>,
    pub skipped: Vec<(String, String)>,
}

/// Uplifts SCALs to a template version with a due date (NHS England): the SCALs named, or every
/// one affected when none is named. A SCAL named that is not on an older version, and a due date
/// in the past, are field errors (`scals`, `due_date`); a SCAL with NHS England for review is
/// skipped, saying so. Each SCAL is uplifted in its own transaction, audited, its supplier told
/// the delta and every EUO with a share told.
pub async fn uplift(
    app: &App,
    actor: &Actor,
    template_id: &str,
    version: Option<i64>,
    scal_ids: &[String],
    due_date: &str,
    now: OffsetDateTime,
) -> Result<UpliftOutcome> {
    authorize(actor, Action::IssueScal, None)?;
    let mut errors = Invalid::default();
    let due = match uplift::parse_due(due_date, now.date()) {
        Ok(d) => Some(d),
        Err(Invalid(e)) => {
            errors.0.extend(e);
            None
        }
    };
    let impact = impact(app, actor, template_id, version, now).await?;
    let mut chosen: Vec<&Affected> = Vec::new();
    if scal_ids.is_empty() {
        chosen.extend(impact.affected.iter());
    } else {
        for id in scal_ids {
            match impact.affected.iter().find(|a| a.scal_id == id.trim()) {
                Some(a) if !chosen.iter().any(|c| c.scal_id == a.scal_id) => chosen.push(a),
                Some(_) => {}
                None => errors.0.push(scal_domain::FieldError::new(
                    "scals",
                    format!(
                        "SCAL {id} does not use an older version of {} than version {}",
                        impact.template, impact.version
                    ),
                )),
            }
        }
    }
    let Some(due) = due.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let pick = crate::scals::pick(app, actor, template_id, version, None).await?;
    let mut outcome = UpliftOutcome::default();
    let (_, versions) = crate::templates::get(app, actor, template_id).await?;
    let number = |version_id: &str| versions.iter().find(|v| v.id == version_id).map_or(0, |v| v.version);
    for affected in chosen {
        // Each SCAL in its own transaction under its lock; one that fails is reported and the
        // others stand.
        let one: Result<std::result::Result<Uplifted, String>> = async {
            let mut tx = app.store.begin().await?;
            scals::lock_scal(&mut tx, &affected.scal_id).await?;
            let rounds = scal_store::records::submissions::for_scal(tx.conn(), &affected.scal_id).await?;
            if rounds.last().map(|r| r.round_status()) == Some(RoundStatus::Submitted) {
                return Ok(Err(
                    "with NHS England for review: decide or return the round first".to_string()
                ));
            }
            let ours: Vec<scals::ScalSheetRecord> = scals::sheets_of_template(tx.conn(), &impact.template_id)
                .await?
                .into_iter()
                .filter(|s| s.scal_id == affected.scal_id)
                .collect();
            // Read again under the lock: another uplift may have got there first.
            if ours.iter().all(|s| number(&s.template_version_id) >= pick.version) {
                return Ok(Err(format!("already on version {} or later", pick.version)));
            }
            if let Some(missing) = ours.iter().find(|s| new_name(&s.name, ours.len(), &pick).is_none()) {
                return Ok(Err(format!(
                    "version {} has no sheet named {:?}",
                    pick.version, missing.name
                )));
            }
            let (delta, issued) = delta_on(tx.conn(), app, &affected.scal_id, &ours, &pick).await?;
            // The removed requirements' last answers, archived with the uplift.
            let answers = scals::answers(tx.conn(), &affected.scal_id).await?;
            let archived: Vec<serde_json::Value> = delta
                .removed
                .iter()
                .map(|r| {
                    let sheet_id = issued
                        .iter()
                        .find(|s| new_name(&s.record.name, issued.len(), &pick).as_deref() == Some(r.sheet.as_str()))
                        .map(|s| s.record.id.as_str());
                    let answer = answers
                        .iter()
                        .find(|a| Some(a.scal_sheet_id.as_str()) == sheet_id && a.requirement_id == r.requirement_id);
                    serde_json::json!({
                        "sheet": r.sheet,
                        "requirement_id": r.requirement_id,
                        "text": r.text,
                        "answer": answer.and_then(|a| a.response.clone()),
                        "justification": answer.and_then(|a| a.justification.clone()),
                        "mitigation": answer.and_then(|a| a.mitigation.clone()),
                        "target_date": answer.and_then(|a| a.target_date.clone()),
                    })
                })
                .collect();
            for sheet in &ours {
                let name = new_name(&sheet.name, ours.len(), &pick).unwrap_or_else(|| sheet.name.clone());
                scals::set_sheet_version(tx.conn(), &sheet.id, &pick.version_id, &name).await?;
                if name != sheet.name {
                    reopenings::rename_sheet(tx.conn(), &affected.scal_id, &sheet.name, &name).await?;
                }
            }
            // Removed requirements leave the live SCAL (their last answers are archived above), so a
            // later version bringing an ID back starts it unanswered and nothing reminds about them.
            for r in &delta.removed {
                if let Some(sheet) = issued
                    .iter()
                    .find(|s| new_name(&s.record.name, issued.len(), &pick).as_deref() == Some(r.sheet.as_str()))
                {
                    scals::delete_answer(tx.conn(), &sheet.record.id, &r.requirement_id).await?;
                    scal_store::records::evidence::delete_links_of(tx.conn(), &sheet.record.id, &r.requirement_id)
                        .await?;
                }
            }
            let reason = format!("uplift to {} version {}", impact.template, pick.version);
            let record = ReopeningRecord {
                id: new_id(),
                scal_id: affected.scal_id.clone(),
                kind: "uplift".into(),
                reason: reason.clone(),
                after_round: rounds.last().map_or(0, |r| r.round),
                due_date: Some(due.to_string()),
                details: serde_json::json!({
                    "template_id": impact.template_id,
                    "template": impact.template,
                    "version": pick.version,
                    "from_versions": affected.from_versions,
                    "delta": delta,
                    "archived": archived,
                })
                .to_string(),
                created_by: actor.label().to_string(),
                created_at: micros(now),
            };
            reopenings::insert(tx.conn(), &record).await?;
            for c in &delta.changed {
                reopenings::insert_item(
                    tx.conn(),
                    &ReopenedItem {
                        reopening_id: record.id.clone(),
                        scal_id: affected.scal_id.clone(),
                        sheet: c.sheet.clone(),
                        requirement_id: c.requirement_id.clone(),
                        what: c.what.join(", "),
                        confirmed_at: None,
                        confirmed_by: None,
                    },
                )
                .await?;
            }
            tx.audit(audit_entry(
                actor,
                now,
                "scal.uplifted",
                None,
                &affected.scal_id,
                Some(serde_json::json!({"versions": affected.from_versions})),
                Some(serde_json::json!({
                    "template": impact.template, "version": pick.version, "due_date": due.to_string(),
                    "delta": delta, "archived": archived,
                })),
            ))
            .await?;
            let supplier_org = scal_store::records::products::get(tx.conn(), &affected.product_id)
                .await?
                .map(|p| p.org_id)
                .unwrap_or_default();
            let to = crate::notifications::organisation_users(&mut tx, &supplier_org).await?;
            let mut lines: Vec<String> = Vec::new();
            for a in &delta.added {
                lines.push(format!("Added: {} ({})", a.requirement_id, a.sheet));
            }
            for c in &delta.changed {
                lines.push(format!(
                    "Changed ({}): {} ({})",
                    c.what.join(", "),
                    c.requirement_id,
                    c.sheet
                ));
            }
            for r in &delta.removed {
                lines.push(format!("Removed: {} ({})", r.requirement_id, r.sheet));
            }
            crate::notifications::tell(
                &mut tx,
                &to,
                "uplift",
                &format!("SCAL reopened: {}", affected.product),
                &format!(
                "NHS England uplifted the SCAL for {} to {} version {}, due {due}: {}. Answer what was added, confirm \
                 or change what changed, and submit again.\n{}",
                affected.product,
                impact.template,
                pick.version,
                delta.summary(),
                lines.join("\n")
            ),
                &format!("/scals/{}", affected.scal_id),
                now,
            )
            .await?;
            crate::shares::tell_euos(
                &mut tx,
                &affected.scal_id,
                &format!("SCAL being uplifted: {}", affected.product),
                &format!(
                    "NHS England asked the supplier of {} to uplift its SCAL to {} version {} by {due}",
                    affected.product, impact.template, pick.version
                ),
                now,
            )
            .await?;
            tx.commit().await?;
            Ok(Ok(Uplifted {
                scal_id: affected.scal_id.clone(),
                product: affected.product.clone(),
                reopening_id: record.id,
                delta,
            }))
        }
        .await;
        match one {
            Ok(Ok(done)) => outcome.uplifted.push(done),
            Ok(Err(why)) => outcome.skipped.push((affected.product.clone(), why)),
            Err(e) => {
                tracing::warn!(scal = %affected.scal_id, error = %e, "uplift failed");
                outcome
                    .skipped
                    .push((affected.product.clone(), format!("not uplifted: {e}")));
            }
        }
    }
    Ok(outcome)
}

/// A product change as the supplier declares it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ChangeInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub services: Vec<String>,
}

/// The supplier declares a new product version or a significant change: the information sheet
/// and the affected services' sheets are reopened for confirmation and resubmission, a new
/// version becomes the product's version, and NHS England's reviewers of those services are told.
/// 409 while a round is with NHS England.
pub async fn declare_change(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    input: &ChangeInput,
    now: OffsetDateTime,
) -> Result<ReopeningRecord> {
    let (scal, product) = crate::scals::get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::AnswerScal, Some(&product.org_id))?;
    let mut tx = app.store.begin().await?;
    scals::lock_scal(&mut tx, &scal.id).await?;
    let rounds = scal_store::records::submissions::for_scal(tx.conn(), &scal.id).await?;
    if let Some(r) = rounds.last().filter(|r| r.round_status() == RoundStatus::Submitted) {
        return Err(AppError::Conflict(format!(
            "This SCAL is with NHS England for review (round {}): declare the change once they return it, or withdraw the round",
            r.round
        )));
    }
    let cases = scal_store::records::cases::for_scal(tx.conn(), &scal.id).await?;
    let known: Vec<String> = cases.iter().map(|c| c.service_code.clone()).collect();
    let change = uplift::parse_change(&input.kind, &input.version, &input.description, &input.services, &known)
        .map_err(AppError::Invalid)?;
    let mut details = product.details.clone();
    if let Some(version) = &change.version {
        details.version = version.clone();
        scal_store::records::products::update(tx.conn(), &product.id, &details, micros(now)).await?;
    }
    let reason = match &change.version {
        Some(v) => format!("product change: new version {v}"),
        None => "product change".to_string(),
    };
    let record = ReopeningRecord {
        id: new_id(),
        scal_id: scal.id.clone(),
        kind: "product_change".into(),
        reason,
        after_round: rounds.last().map_or(0, |r| r.round),
        due_date: None,
        details: serde_json::json!({
            "kind": change.kind.as_str(),
            "version": change.version,
            "previous_version": product.details.version,
            "description": change.description,
            "services": change.services,
        })
        .to_string(),
        created_by: actor.label().to_string(),
        created_at: micros(now),
    };
    reopenings::insert(tx.conn(), &record).await?;
    scals::set_information_review(tx.conn(), &scal.id, true).await?;
    let sheets = scals::sheets(tx.conn(), &scal.id).await?;
    for sheet in sheets
        .iter()
        .filter(|s| s.service_code.as_ref().is_some_and(|c| change.services.contains(c)))
    {
        reopenings::insert_sheet(
            tx.conn(),
            &ReopenedSheet {
                reopening_id: record.id.clone(),
                scal_id: scal.id.clone(),
                sheet: sheet.name.clone(),
                confirmed_at: None,
                confirmed_by: None,
            },
        )
        .await?;
    }
    tx.audit(audit_entry(
        actor,
        now,
        "product.change_declared",
        Some(&product.org_id),
        &scal.id,
        Some(serde_json::json!({"version": product.details.version})),
        Some(serde_json::from_str(&record.details).unwrap_or_default()),
    ))
    .await?;
    let reviewers = crate::notifications::reviewers(&mut tx, &change.services).await?;
    crate::notifications::tell(
        &mut tx,
        &reviewers,
        "product_change",
        &format!("Product change declared: {}", details.title()),
        &format!(
            "{} declared {} for {}{}: {}",
            product.details.title(),
            change.kind.label().to_lowercase(),
            if change.services.is_empty() {
                "its information".to_string()
            } else {
                change.services.join(", ")
            },
            change
                .version
                .as_ref()
                .map(|v| format!(" (now version {v})"))
                .unwrap_or_default(),
            change.description
        ),
        &format!("/scals/{}", scal.id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}

/// The supplier confirms a requirement an uplift changed (keeping its answer), or a sheet a
/// product change reopened. 409 when there is nothing to confirm there.
pub async fn confirm(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    sheet_id: &str,
    requirement_id: Option<&str>,
    now: OffsetDateTime,
) -> Result<()> {
    let (scal, product) = crate::scals::get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::AnswerScal, Some(&product.org_id))?;
    let mut tx = app.store.begin().await?;
    scals::lock_scal(&mut tx, &scal.id).await?;
    crate::scals::ensure_editable(&mut tx, &scal.id).await?;
    let sheet = scals::sheets(tx.conn(), &scal.id)
        .await?
        .into_iter()
        .find(|s| s.id == sheet_id.trim())
        .ok_or_else(|| AppError::invalid("sheet_id", "Choose one of this SCAL's sheets"))?;
    let confirmed = match requirement_id.map(str::trim).filter(|r| !r.is_empty()) {
        Some(id) => reopenings::confirm_item(tx.conn(), &scal.id, &sheet.name, id, actor.label(), micros(now)).await?,
        None => reopenings::confirm_sheet(tx.conn(), &scal.id, &sheet.name, actor.label(), micros(now)).await?,
    };
    if confirmed == 0 {
        return Err(AppError::Conflict(match requirement_id {
            Some(id) => format!("{id} on {} has nothing to confirm", sheet.name),
            None => format!("{} has nothing to confirm", sheet.name),
        }));
    }
    tx.audit(audit_entry(
        actor,
        now,
        "scal.change_confirmed",
        Some(&product.org_id),
        &scal.id,
        None,
        Some(serde_json::json!({"sheet": sheet.name, "requirement_id": requirement_id})),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A SCAL's reopenings, oldest first (its supplier and NHS England), each with whether it is
/// still open.
pub async fn for_scal(app: &App, actor: &Actor, scal_id: &str) -> Result<Vec<(ReopeningRecord, bool)>> {
    let view = crate::scals::view_scal(app, actor, scal_id).await?;
    let all = reopenings::for_scal(app.store.pool(), &view.scal.id).await?;
    Ok(all
        .into_iter()
        .map(|r| {
            let open = view.reopened.iter().any(|o| o.id == r.id);
            (r, open)
        })
        .collect())
}

/// The open uplifts' due dates of a SCAL, read on `conn`: what can suspend its certificate.
pub(crate) async fn uplift_dues_on(conn: &mut scal_store::Conn, scal_id: &str) -> Result<Vec<(String, time::Date)>> {
    let rounds = scal_store::records::submissions::for_scal(&mut *conn, scal_id).await?;
    Ok(crate::scals::open_reopenings_on(conn, scal_id, &rounds)
        .await?
        .into_iter()
        .filter(|r| r.kind == "uplift")
        .filter_map(|r| {
            let due = r.due_date.as_deref().and_then(crate::stored_date)?;
            Some((r.reason, due))
        })
        .collect())
}
