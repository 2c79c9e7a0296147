//! Onboarding cases: the ten steps for each service a product's SCAL covers, with states derived
//! by the domain from the information sheet and the case's use case.

use std::collections::HashMap;

use scal_domain::onboarding::{assess, info, CaseFacts, InfoAnswer, OdsLookup, Step, StepStatus};
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::service::Service;
use scal_store::records::cases::{self, CaseRecord};
use scal_store::records::{scals, services};
use time::OffsetDateTime;

use crate::scals::{ensure_editable, view_scal, EvidenceRef, ScalView};
use crate::{audit_entry, micros, App, AppError, Result};

#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseView {
    pub id: String,
    pub service: Service,
    pub use_case: Option<String>,
    pub steps: Vec<StepStatus>,
    /// Files attached to the information sheet's questions, by question ID.
    evidence: HashMap<String, Vec<EvidenceRef>>,
}

impl CaseView {
    /// The files backing a step: those attached to the questions it reads.
    pub fn evidence(&self, step: Step) -> Vec<EvidenceRef> {
        step.questions()
            .iter()
            .flat_map(|q| self.evidence.get(*q).cloned().unwrap_or_default())
            .collect()
    }
}

/// The SCAL and its cases on `now`'s date.
/// The SCAL's status, by the one rule (`scal_domain::status::scal_status`), from its latest round
/// and every case's steps.
pub fn status(view: &ScalView, cases: &[CaseView]) -> scal_domain::status::ScalStatus {
    let latest = view.rounds.last().map(|r| scal_domain::status::LatestRound {
        round: r.round,
        status: r.round_status(),
        summary: r.summary.as_deref(),
        reopened: view.reopening(),
    });
    scal_domain::status::scal_status(latest, cases.iter().flat_map(|c| c.steps.iter()))
}

pub async fn cases(app: &App, actor: &Actor, scal_id: &str, now: OffsetDateTime) -> Result<(ScalView, Vec<CaseView>)> {
    let view = view_scal(app, actor, scal_id).await?;
    let ods = ods_lookup(app, &view, now).await;
    let jwks = crate::keys::jwks(app).await?;
    let cases = assess_on(&mut *app.store.acquire().await?, &view, ods, &jwks, now).await?;
    Ok((view, cases))
}

/// A SCAL's status and cases, as [`cases`] and [`status`] derive them, for lists of many SCALs
/// (a supplier's products, an uplift's affected SCALs, the service's figures).
#[derive(Debug, Clone)]
pub struct Overview {
    pub product: scal_store::ProductRecord,
    pub status: scal_domain::status::ScalStatus,
    pub cases: Vec<CaseView>,
}

/// The SCAL's [`Overview`]: the same rules on the same facts as [`cases`] then [`status`], read
/// without the service sheets' answers, which neither reads (hundreds per SCAL).
pub async fn overview(app: &App, actor: &Actor, scal_id: &str, now: OffsetDateTime) -> Result<Overview> {
    let (scal, product) = crate::scals::get_scal(app, actor, scal_id).await?;
    let view = {
        let mut conn = app.store.acquire().await?;
        crate::scals::status_view_on(&mut conn, app, scal, product).await?
    };
    let ods = ods_lookup(app, &view, now).await;
    let jwks = crate::keys::jwks(app).await?;
    let cases = assess_on(&mut *app.store.acquire().await?, &view, ods, &jwks, now).await?;
    Ok(Overview {
        status: status(&view, &cases),
        product: view.product,
        cases,
    })
}

/// The SCAL's cases with their steps on `now`'s date, the case records read on `conn`.
pub(crate) async fn assess_on(
    conn: &mut scal_store::Conn,
    view: &ScalView,
    ods: Option<OdsLookup>,
    jwks: &scal_domain::signing::Jwks,
    now: OffsetDateTime,
) -> Result<Vec<CaseView>> {
    let records = cases::for_scal(&mut *conn, &view.scal.id).await?;
    let catalogue = services::list(&mut *conn).await?;
    let live = crate::golive::live_facts(conn, &view.scal.id, jwks).await?;
    Ok(assess_all(view, records, &catalogue, ods, &live, now))
}

/// The live ODS lookup of the information sheet's code, when lookups are on and the code parses.
pub(crate) async fn ods_lookup(app: &App, view: &ScalView, now: OffsetDateTime) -> Option<OdsLookup> {
    let raw = view
        .information_sheet()?
        .requirements
        .iter()
        .find(|r| r.requirement.id == info::ODS)?
        .answer
        .clone()?;
    let code = scal_domain::OdsCode::parse(&raw).ok()?;
    crate::ods::lookup(app, &code, now).await
}

/// The information sheet's answers by question ID.
pub(crate) fn information(view: &ScalView) -> HashMap<String, InfoAnswer> {
    view.information_sheet()
        .map(|sheet| {
            sheet
                .requirements
                .iter()
                .map(|r| {
                    (
                        r.requirement.id.clone(),
                        InfoAnswer {
                            response: r.answer.clone(),
                            justification: r.justification.clone(),
                            mitigation: r.mitigation.clone(),
                            target_date: r.target_date.clone(),
                            updated_by: r.updated_by.clone(),
                            updated_at: r.updated_at,
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn assess_all(
    view: &ScalView,
    records: Vec<CaseRecord>,
    catalogue: &[Service],
    ods: Option<OdsLookup>,
    live: &crate::golive::LiveFacts,
    now: OffsetDateTime,
) -> Vec<CaseView> {
    let information = information(view);
    let evidence: HashMap<String, Vec<EvidenceRef>> = view
        .information_sheet()
        .map(|sheet| {
            sheet
                .requirements
                .iter()
                .filter(|r| !r.evidence.is_empty())
                .map(|r| (r.requirement.id.clone(), r.evidence.clone()))
                .collect()
        })
        .unwrap_or_default();
    records
        .into_iter()
        .filter_map(|record| {
            let service = catalogue
                .iter()
                .find(|s| s.code.as_str() == record.service_code)?
                .clone();
            let facts = CaseFacts {
                use_case_required: service.use_case_required,
                hscn_required: service.network == scal_domain::service::Network::Hscn,
                use_case: record.use_case.as_deref(),
                information: information.clone(),
                issued: true,
                submitted: view.locked(),
                accepted: view.accepted_round().is_some(),
                agreement_accepted: live.agreement_accepted,
                go_live_approved: live.approved_cases.contains(&record.id),
                ods_lookup: ods.clone(),
            };
            let steps = assess(&facts, now.date());
            Some(CaseView {
                id: record.id,
                use_case: record.use_case,
                service,
                steps,
                evidence: evidence.clone(),
            })
        })
        .collect()
}

/// Declares (or clears) the use case for one service of the SCAL (supplier).
pub async fn set_use_case(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    service_code: &str,
    use_case: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let (scal, product) = crate::scals::get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::AnswerScal, Some(&product.org_id))?;
    let use_case = scal_domain::field::optional_text("use_case", "the use case", use_case, 10_000)
        .map_err(|e| AppError::Invalid(scal_domain::Invalid(vec![e])))?;
    let mut tx = app.store.begin().await?;
    scals::lock_scal(&mut tx, &scal.id).await?;
    ensure_editable(&mut tx, &scal.id).await?;
    let case = cases::for_scal(tx.conn(), &scal.id)
        .await?
        .into_iter()
        .find(|c| c.service_code.eq_ignore_ascii_case(service_code))
        .ok_or(AppError::NotFound)?;
    let value = (!use_case.is_empty()).then_some(use_case.as_str());
    cases::set_use_case(tx.conn(), &case.id, value, micros(now), actor.label()).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "case.use_case",
        Some(&product.org_id),
        &case.id,
        Some(serde_json::json!({"service": case.service_code, "use_case": case.use_case})),
        Some(serde_json::json!({"service": case.service_code, "use_case": value})),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}
