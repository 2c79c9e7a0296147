//! Go-live: NHS England approves each product and service (a case) once, and only when
//! `agreement::go_live_blockers` finds nothing: a valid certificate, an active agreement, a
//! current DSPT and a penetration test within 12 months. A case is *live* when its SCAL's
//! agreement is accepted and its go-live approved: derived from these facts (`LiveFacts`, read by
//! `cases`), never stored.

use scal_domain::agreement::{go_live_blockers, GoLiveFacts};
use scal_domain::onboarding::info;
use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::signing::Jwks;
use scal_store::records::agreements::{self, ApprovalRecord};
use time::OffsetDateTime;

use crate::scals::get_scal;
use crate::{audit_entry, micros, App, AppError, Result};

/// What step 10 reads of a SCAL: whether an agreement is accepted, and which cases have go-live
/// approved under a certificate that has not been revoked.
#[derive(Debug, Clone, Default)]
pub struct LiveFacts {
    pub agreement_accepted: bool,
    pub approved_cases: Vec<String>,
}

pub(crate) async fn live_facts(
    conn: &mut scal_store::Conn,
    scal_id: &str,
    jwks: &scal_domain::signing::Jwks,
) -> Result<LiveFacts> {
    let agreement_accepted = agreements::for_scal(&mut *conn, scal_id)
        .await?
        .iter()
        .any(|a| a.accepted_at.is_some());
    let mut approved_cases = Vec::new();
    for approval in agreements::approvals_for_scal(&mut *conn, scal_id).await? {
        // Live on a certificate that still stands: not revoked, and still what was signed (a row
        // altered in the database ends it, as revocation does).
        let stands = scal_store::records::certificates::get(&mut *conn, &approval.certificate_id)
            .await?
            .is_some_and(|c| {
                c.revoked_at.is_none() && scal_domain::certificate::verify_signed(&c.id, &c.jws, &c.facts, jwks).is_ok()
            });
        if stands {
            approved_cases.push(approval.case_id);
        }
    }
    Ok(LiveFacts {
        agreement_accepted,
        approved_cases,
    })
}

/// A SCAL's go-live approvals (NHS England, or the supplier).
pub async fn for_scal(app: &App, actor: &Actor, scal_id: &str) -> Result<Vec<ApprovalRecord>> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::ReadOnboarding, Some(&product.org_id))?;
    Ok(agreements::approvals_for_scal(app.store.pool(), &scal.id).await?)
}

fn date_answer(
    info: &std::collections::HashMap<String, scal_domain::onboarding::InfoAnswer>,
    id: &str,
) -> Option<time::Date> {
    let raw = info.get(id)?.response.as_deref()?;
    scal_domain::check::read_date(raw).ok().map(|r| r.date)
}

/// Why go-live cannot be approved for the SCAL today (empty: it can), by the one gate.
pub async fn blockers(app: &App, actor: &Actor, scal_id: &str, now: OffsetDateTime) -> Result<Vec<String>> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::ReadOnboarding, Some(&product.org_id))?;
    let jwks = crate::keys::jwks(app).await?;
    let mut conn = app.store.acquire().await?;
    let view = crate::scals::scal_view_on(&mut conn, app, scal, product).await?;
    blockers_on(&mut conn, &view, &jwks, now).await
}

/// The gate on `conn`: the certificate is checked against `jwks`, so one altered in the database
/// cannot be approved on (its status is then `unverifiable`).
async fn blockers_on(
    conn: &mut scal_store::Conn,
    view: &crate::scals::ScalView,
    jwks: &Jwks,
    now: OffsetDateTime,
) -> Result<Vec<String>> {
    let today = now.date();
    let certificate = crate::certificates::latest_on(&mut *conn, &view.scal.id, jwks, today).await?;
    let agreement = crate::agreements::current_on(&mut *conn, &view.scal.id, today).await?;
    let info = crate::cases::information(view);
    let dspt = info.get(info::DSPT_STATUS);
    let facts = GoLiveFacts {
        certificate: certificate.as_ref().map(|c| &c.status),
        agreement: agreement.map(|(_, state)| state),
        dspt_status: dspt
            .and_then(|a| a.response.as_deref())
            .filter(|s| !s.trim().is_empty()),
        dspt_status_mitigated: dspt
            .and_then(|a| a.mitigation.as_deref())
            .is_some_and(|m| !m.trim().is_empty()),
        dspt_published: date_answer(&info, info::DSPT_DATE),
        penetration_test: date_answer(&info, info::PENTEST_DATE),
    };
    Ok(go_live_blockers(&facts, today))
}

/// Approves go-live for one product and service (NHS England). Refused (`Blocked`), naming every
/// failing check, unless the gate passes; then 409 if it was approved already.
pub async fn approve(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    service_code: &str,
    now: OffsetDateTime,
) -> Result<ApprovalRecord> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::ApproveGoLive, Some(&product.org_id))?;
    let jwks = crate::keys::jwks(app).await?;
    let mut tx = app.store.begin().await?;
    scal_store::records::scals::lock_scal(&mut tx, &scal.id).await?;
    let case = scal_store::records::cases::for_scal(tx.conn(), &scal.id)
        .await?
        .into_iter()
        .find(|c| c.service_code.eq_ignore_ascii_case(service_code.trim()))
        .ok_or(AppError::NotFound)?;
    // The gate first: what fails today is news even for a case approved before.
    let view = crate::scals::scal_view_on(tx.conn(), app, scal.clone(), product.clone()).await?;
    let blockers = blockers_on(tx.conn(), &view, &jwks, now).await?;
    if !blockers.is_empty() {
        return Err(AppError::Blocked(blockers));
    }
    let approvals = agreements::approvals_for_scal(tx.conn(), &scal.id).await?;
    if approvals.iter().any(|a| a.case_id == case.id) {
        return Err(AppError::Conflict(format!(
            "Go-live has already been approved for {}",
            case.service_code
        )));
    }
    let today = now.date();
    let (Some(certificate), Some((agreement, _))) = (
        crate::certificates::latest_on(tx.conn(), &scal.id, &jwks, today).await?,
        crate::agreements::current_on(tx.conn(), &scal.id, today).await?,
    ) else {
        return Err(AppError::Internal(
            "the go-live gate passed without a certificate or agreement".into(),
        ));
    };
    let record = ApprovalRecord {
        case_id: case.id.clone(),
        scal_id: scal.id.clone(),
        agreement_id: agreement.id.clone(),
        certificate_id: certificate.record.id.clone(),
        approved_by: actor.label().to_string(),
        approved_at: micros(now),
    };
    agreements::insert_approval(tx.conn(), &record).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "go_live.approved",
        Some(&product.org_id),
        &case.id,
        None,
        Some(serde_json::json!({
            "service": case.service_code,
            "agreement": agreement.reference,
            "certificate": certificate.facts.number,
        })),
    ))
    .await?;
    let suppliers = crate::notifications::organisation_users(&mut tx, &product.org_id).await?;
    crate::notifications::tell(
        &mut tx,
        &suppliers,
        "go_live",
        &format!("Go-live approved: {}", product.details.title()),
        &format!(
            "NHS England approved go-live of {} for {}: it is live",
            product.details.title(),
            case.service_code
        ),
        &format!("/scals/{}", scal.id),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(record)
}
