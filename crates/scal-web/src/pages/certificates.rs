//! Certificates on the web: a SCAL's certificates and NHS England's issue form, a certificate's
//! page (its facts, status, conditions, revocation), and the public verify page anyone can open
//! without signing in.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::certificates::{CertificateView, ConditionStep};
use scal_app::AppError;
use scal_domain::certificate::CertificateStatus;
use scal_domain::policy::{authorize, Action};
use scal_domain::FieldError;
use serde::Deserialize;

use super::layout::{
    back_link, button, csrf, date_time, error_summary, page, summary_list, tag, text_input, textarea, Chrome,
    InputOptions, Nav,
};
use super::{done, form_page, FormOutcome};
use crate::extract::PageForm;
use crate::notice::Notice;
use crate::session::{CurrentSession, MaybeSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

pub(crate) fn status_tag(status: &CertificateStatus) -> Markup {
    let colour = match status {
        CertificateStatus::Valid => "green",
        CertificateStatus::Suspended { .. } => "orange",
        CertificateStatus::Expired { .. } => "grey",
        CertificateStatus::Revoked { .. } | CertificateStatus::Unverifiable { .. } => "red",
    };
    tag(status.label(), colour)
}

/// Why the status is what it is, in words.
fn status_reasons(status: &CertificateStatus) -> Markup {
    html! {
        @match status {
            CertificateStatus::Suspended { overdue } => {
                p class="nhsuk-body" { "Suspended until NHS England confirms these overdue conditions are met:" }
                ul class="nhsuk-list nhsuk-list--bullet" { @for o in overdue { li { (o) } } }
            }
            CertificateStatus::Revoked { reason } => { p class="nhsuk-body scal-pre-line" { "Revoked: " (reason) } }
            CertificateStatus::Expired { on } => { p class="nhsuk-body" { "Expired on " (on) "." } }
            CertificateStatus::Unverifiable { reason } => {
                div class="nhsuk-warning-callout" {
                    h2 class="nhsuk-warning-callout__label" {
                        span role="text" { span class="nhsuk-u-visually-hidden" { "Important: " } "This certificate cannot be verified" }
                    }
                    p { "What is stored for it does not check out against NHS England's signature: " (reason) "." }
                    p { "Do not rely on the facts below. Contact NHS England." }
                }
            }
            CertificateStatus::Valid => {}
        }
    }
}

/// The facts a certificate states, as a summary list: the same on every page that shows them.
fn facts(view: &CertificateView) -> Markup {
    let f = &view.facts;
    summary_list(&[
        ("Certificate number", html! { (f.number) }, None),
        ("Status", status_tag(&view.status), None),
        (
            "Supplier",
            html! { (f.supplier) " (ODS code " (f.supplier_ods_code) ")" },
            None,
        ),
        ("Product", html! { (f.product) " " (f.product_version) }, None),
        ("Services", html! { (f.services.join(", ")) }, None),
        ("SCAL templates", html! { @for t in &f.templates { (t) br; } }, None),
        ("Accepted round", html! { (f.accepted_round) }, None),
        (
            "Snapshot SHA-256",
            html! { code class="scal-id" { (f.snapshot_sha256) } },
            None,
        ),
        (
            "Conditions",
            html! {
                @if f.conditions.is_empty() { "None" }
                @for c in &f.conditions { (c.requirement_id) ": " (c.text) ", due " (c.due) br; }
            },
            None,
        ),
        ("Issued", html! { (f.issued_on) " by " (f.issuer) }, None),
        (
            "Expires",
            html! { @match f.expires_on { Some(on) => { (on) } None => { "Does not expire" } } },
            None,
        ),
    ])
}

async fn list_page(
    state: &AppState,
    session: &CurrentSession,
    scal_id: &str,
    expires: &str,
    errors: &[FieldError],
) -> PageResult {
    let view = scal_app::scals::view_scal(&state.app, &session.actor, scal_id).await?;
    let list = scal_app::certificates::for_scal(&state.app, &session.actor, scal_id, state.now().date()).await?;
    let can_issue = authorize(&session.actor, Action::ReviewSubmission, Some(&view.product.org_id)).is_ok()
        && view.accepted_round().is_some()
        && !list
            .iter()
            .any(|c| Some(&c.record.submission_id) == view.accepted_round().map(|r| &r.id));
    let name = view.product.details.title();
    let content = html! {
        (back_link(&format!("/scals/{scal_id}"), "Back to the SCAL"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (name) }
        h1 class="nhsuk-heading-xl" { "Certificates" }
        @if list.is_empty() {
            p class="nhsuk-body" {
                @if view.accepted_round().is_some() { "No certificate has been issued yet." }
                @else { "A certificate is issued once NHS England accepts the SCAL and technical conformance testing is complete." }
            }
        }
        @for c in &list {
            h2 class="nhsuk-heading-m" { a href=(format!("/certificates/{}", c.record.id)) { (c.facts.number) } " " (status_tag(&c.status)) }
            p class="nhsuk-body" { "Round " (c.facts.accepted_round) ", issued " (c.facts.issued_on) }
        }
        @if can_issue {
            h2 class="nhsuk-heading-l" { "Issue the certificate" }
            p class="nhsuk-body" { "It states the accepted round, its snapshot SHA-256 and the conditions agreed on red items, and is signed so anyone can check it." }
            form method="post" action=(format!("/scals/{scal_id}/certificates")) novalidate {
                (csrf(&session.csrf_token))
                (text_input("expires_on", "Expiry date (optional)", expires, errors, InputOptions {
                    hint: Some("Leave it empty for a certificate that does not expire. For example, 2028-12-31"),
                    width_class: Some("nhsuk-input--width-10"),
                    ..InputOptions::default()
                }))
                (button("Issue the certificate"))
            }
        }
    };
    Ok(form_page(
        page(
            &format!("Certificates: {name}"),
            &Chrome::signed_in(session, Nav::Products),
            !errors.is_empty(),
            content,
        ),
        errors,
    ))
}

pub async fn list(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    list_page(&state, &session, &id, "", &[]).await
}

#[derive(Debug, Default, Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    expires_on: String,
}

pub async fn issue(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<IssueForm>,
) -> PageResult {
    match scal_app::certificates::issue(&state.app, &session.actor, &id, &form.expires_on, state.now()).await {
        Ok(view) => Ok(done(
            &state,
            &format!("/certificates/{}", view.record.id),
            Notice::CertificateIssued,
        )),
        Err(AppError::Invalid(invalid)) => list_page(&state, &session, &id, &form.expires_on, &invalid.0).await,
        Err(AppError::Blocked(blockers)) => {
            let errors: Vec<FieldError> = blockers.into_iter().map(|b| FieldError::new("expires_on", b)).collect();
            list_page(&state, &session, &id, &form.expires_on, &errors).await
        }
        Err(other) => Err(other.into()),
    }
}

/// When the SCAL's DSPT is at risk today (published before the current assessment period), the
/// date it was published: the certificate page says so (`scal_app::jobs::dspt_at_risk`).
async fn dspt_at_risk(state: &AppState, view: &CertificateView) -> scal_app::Result<Option<time::Date>> {
    scal_app::jobs::dspt_at_risk(&state.app, &view.record.scal_id, state.now().date()).await
}

fn certificate_page(
    session: &CurrentSession,
    view: &CertificateView,
    at_risk: Option<time::Date>,
    errors: &[FieldError],
) -> Markup {
    let id = &view.record.id;
    let nhse = authorize(&session.actor, Action::ReviewSubmission, None).is_ok();
    let supplier = !nhse && authorize(&session.actor, Action::AnswerScal, session.actor.org_id()).is_ok();
    let content = html! {
        (back_link(&format!("/scals/{}/certificates", view.record.scal_id), "Back to the certificates"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { "Certificate of technical conformance" }
        h1 class="nhsuk-heading-xl" { (view.facts.product) " " (view.facts.product_version) }
        (status_reasons(&view.status))
        @if let Some(published) = at_risk {
            div class="nhsuk-warning-callout" {
                h2 class="nhsuk-warning-callout__label" { span role="text" { span class="nhsuk-u-visually-hidden" { "Important: " } "DSPT at risk" } }
                p { "The Data Security and Protection Toolkit assessment on record was published on " (published) ", before the current assessment period (30 June deadline). The supplier must publish this year's assessment." }
            }
        }
        (facts(view))
        p class="nhsuk-body" {
            a href=(format!("/certificates/{id}/certificate.pdf")) download { "Download the certificate (PDF)" }
            " to print or file: it shows its status today and the address of its verify page, printed and as a QR code."
        }
        p class="nhsuk-body" {
            "Anyone can check it at " a href=(format!("/verify/{id}")) { "its public verify page" } ". "
            a href=(format!("/api/v1/certificates/{id}/jws")) download { "Download the signed certificate (JWS)" }
            " and check it offline with " code { "scal verify" } " and " a href="/.well-known/jwks.json" { "NHS England's public keys" } "."
        }
        @if !view.conditions.is_empty() {
            h2 class="nhsuk-heading-l" { "Conditions" }
            @for c in &view.conditions {
                h3 class="nhsuk-heading-s" { (c.requirement_id) ": " (c.text) }
                p class="nhsuk-body" {
                    "Due " (c.due_date) ". "
                    @match (c.met_at, c.confirmed_at) {
                        (_, Some(at)) => { (tag("Confirmed", "green")) " on " (date_time(at)) }
                        (Some(at), None) => { (tag("Met, waiting for NHS England", "blue")) " on " (date_time(at)) }
                        (None, None) => { (tag("Not met yet", "grey")) }
                    }
                }
                @if let Some(note) = &c.met_note { p class="nhsuk-body scal-pre-line" { (note) } }
                @if supplier && c.confirmed_at.is_none() {
                    form method="post" action=(format!("/conditions/{}/met", c.id)) novalidate {
                        (csrf(&session.csrf_token))
                        input type="hidden" name="certificate" value=(id);
                        (textarea(&format!("note-{}", c.id), "How was it met?", "", errors, None))
                        button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Tell NHS England it is met" }
                    }
                }
                @if nhse && c.met_at.is_some() && c.confirmed_at.is_none() {
                    form method="post" action=(format!("/conditions/{}/confirm", c.id)) novalidate {
                        (csrf(&session.csrf_token))
                        input type="hidden" name="certificate" value=(id);
                        button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Confirm it is met" }
                    }
                }
            }
        }
        @if nhse && !matches!(view.status, CertificateStatus::Revoked { .. }) {
            h2 class="nhsuk-heading-l" { "Revoke the certificate" }
            form method="post" action=(format!("/certificates/{id}/revoke")) novalidate {
                (csrf(&session.csrf_token))
                (textarea("reason", "Why are you revoking it?", "", errors, Some("Revoking is final. The supplier is told.")))
                button class="nhsuk-button nhsuk-button--warning" type="submit" { "Revoke the certificate" }
            }
        }
    };
    page(
        &format!("Certificate {}", view.facts.number),
        &Chrome::signed_in(session, Nav::Products),
        !errors.is_empty(),
        content,
    )
}

pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let view = scal_app::certificates::get(&state.app, &session.actor, &id, state.now().date()).await?;
    let at_risk = dspt_at_risk(&state, &view).await?;
    Ok(certificate_page(&session, &view, at_risk, &[]).into_response())
}

/// The certificate as a PDF, for NHS England and its supplier.
pub async fn pdf(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let document = scal_app::certificate_documents::pdf(&state.app, &session.actor, &id, state.now()).await?;
    Ok(crate::file_download(
        &document.file_name,
        "application/pdf",
        document.bytes,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    reason: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<RevokeForm>,
) -> PageResult {
    match scal_app::certificates::revoke(&state.app, &session.actor, &id, &form.reason, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(&state, &format!("/certificates/{id}"), Notice::CertificateRevoked)),
        Err(FormOutcome::Errors(errors)) => {
            let view = scal_app::certificates::get(&state.app, &session.actor, &id, state.now().date()).await?;
            let at_risk = dspt_at_risk(&state, &view).await?;
            Ok(form_page(certificate_page(&session, &view, at_risk, &errors), &errors))
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

/// A condition form's fields: the certificate to go back to, and (met) how.
#[derive(Debug, Default, Deserialize)]
pub struct ConditionForm {
    #[serde(default)]
    certificate: String,
    #[serde(flatten)]
    rest: std::collections::HashMap<String, String>,
}

async fn condition_step(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    form: &ConditionForm,
    step: ConditionStep,
) -> PageResult {
    let note = form.rest.get(&format!("note-{id}")).map_or("", String::as_str);
    // Only ever back to a certificate's own page.
    let certificate = form.certificate.trim();
    let back = if certificate.len() == 36 && certificate.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        format!("/certificates/{certificate}")
    } else {
        "/".into()
    };
    match scal_app::certificates::condition(&state.app, &session.actor, id, step, note, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(
            state,
            &back,
            if step == ConditionStep::Met {
                Notice::ConditionMet
            } else {
                Notice::ConditionConfirmed
            },
        )),
        Err(FormOutcome::Errors(errors)) => {
            let certificate = form.certificate.trim();
            let view = scal_app::certificates::get(&state.app, &session.actor, certificate, state.now().date()).await?;
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|e| FieldError::new(format!("note-{id}"), e.message))
                .collect();
            let at_risk = dspt_at_risk(state, &view).await?;
            Ok(form_page(certificate_page(session, &view, at_risk, &errors), &errors))
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

pub async fn condition_met(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<ConditionForm>,
) -> PageResult {
    condition_step(&state, &session, &id, &form, ConditionStep::Met).await
}

pub async fn condition_confirm(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<ConditionForm>,
) -> PageResult {
    condition_step(&state, &session, &id, &form, ConditionStep::Confirmed).await
}

/// The public verify page: a certificate's own facts and its status today, for anyone.
pub async fn verify(
    State(state): State<AppState>,
    MaybeSession(session): MaybeSession,
    Path(id): Path<String>,
) -> PageResult {
    let view = scal_app::certificates::public(&state.app, &id, state.now().date()).await?;
    let chrome = match &session {
        Some(s) => Chrome::signed_in(s, Nav::None),
        None => Chrome::anonymous(),
    };
    let content = html! {
        span class="nhsuk-caption-l" { "Check a certificate of technical conformance" }
        h1 class="nhsuk-heading-xl" {
            "Certificate " (view.facts.number) " " (view.status.phrase())
        }
        (status_reasons(&view.status))
        (facts(&view))
        p class="nhsuk-body" {
            a href=(format!("/api/v1/certificates/{id}/pdf")) download { "Download the certificate (PDF)" }
            " to print or file."
        }
        p class="nhsuk-body" {
            @if !matches!(view.status, CertificateStatus::Unverifiable { .. }) { "These facts are signed by NHS England. " }
            a href=(format!("/api/v1/certificates/{id}/jws")) download { "Download the signed certificate (JWS)" }
            " and its " a href="/.well-known/jwks.json" { "public keys" } " to check it yourself."
        }
    };
    Ok(page(&format!("Certificate {}", view.facts.number), &chrome, false, content).into_response())
}
