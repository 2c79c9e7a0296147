//! Connection agreements and go-live on the web: NHS England's agreement versions (publish, ask
//! existing parties to accept a new one), a SCAL's agreements with the prepare form and go-live
//! per service, and an agreement's page: its text, state and seal, and for its named signatory the
//! consent statement with name and job title.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::agreements::AgreementView;
use scal_app::AppError;
use scal_domain::agreement::{AgreementState, CONSENT_STATEMENT};
use scal_domain::policy::{authorize, Action};
use scal_domain::FieldError;
use serde::Deserialize;

use super::layout::{
    back_link, button, csrf, data_table, date_time, error_summary, page, select, summary_list, tag, text_input,
    textarea, Caption, Chrome, InputOptions, Nav,
};
use super::{done, form_page, FormOutcome};
use crate::client::ClientAddr;
use crate::extract::PageForm;
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

fn state_tag(state: AgreementState) -> Markup {
    let colour = match state {
        AgreementState::Prepared => "blue",
        AgreementState::Accepted => "yellow",
        AgreementState::Active => "green",
        AgreementState::Superseded => "grey",
    };
    tag(state.label(), colour)
}

#[derive(Debug, Default, Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    effective_date: String,
}

async fn versions_page(
    state: &AppState,
    session: &CurrentSession,
    form: &VersionForm,
    errors: &[FieldError],
) -> PageResult {
    let versions = scal_app::agreements::versions(&state.app, &session.actor).await?;
    let admin = authorize(&session.actor, Action::PublishAgreementVersion, None).is_ok();
    let nhse = authorize(&session.actor, Action::PrepareAgreement, None).is_ok();
    let content = html! {
        (error_summary(errors))
        h1 class="nhsuk-heading-xl" { "Connection agreement versions" }
        @if versions.is_empty() {
            p class="nhsuk-body" { "No version has been published yet." }
        } @else {
            (data_table("Published versions", Caption::Hidden, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "Title" }
                        th class="nhsuk-table__header" scope="col" { "Takes effect" }
                        th class="nhsuk-table__header" scope="col" { "Text SHA-256" }
                        th class="nhsuk-table__header" scope="col" { "Existing parties" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for v in &versions {
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { (v.title) }
                            td class="nhsuk-table__cell" { (v.effective_date) }
                            td class="nhsuk-table__cell" { code class="scal-id" { (v.sha256) } }
                            td class="nhsuk-table__cell" {
                                @if nhse {
                                    form method="post" action=(format!("/agreement-versions/{}/request-acceptance", v.id)) novalidate {
                                        (csrf(&session.csrf_token))
                                        button class="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0" type="submit" {
                                            "Ask existing parties to accept it" span class="nhsuk-u-visually-hidden" { ": " (v.title) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
        }
        @if admin {
            h2 class="nhsuk-heading-l" { "Publish a new version" }
            form method="post" action="/agreement-versions" novalidate {
                (csrf(&session.csrf_token))
                (text_input("title", "Title", &form.title, errors, InputOptions::default()))
                (textarea("text", "The agreement's text", &form.text, errors, Some("Its SHA-256 identifies the version.")))
                (text_input("effective_date", "Date it takes effect", &form.effective_date, errors, InputOptions {
                    hint: Some("For example, 2027-01-01"),
                    width_class: Some("nhsuk-input--width-10"),
                    ..InputOptions::default()
                }))
                (button("Publish the version"))
            }
        }
    };
    Ok(form_page(
        page(
            "Connection agreement versions",
            &Chrome::signed_in(session, Nav::None),
            !errors.is_empty(),
            content,
        ),
        errors,
    ))
}

pub async fn versions(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    versions_page(&state, &session, &VersionForm::default(), &[]).await
}

pub async fn publish_version(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    PageForm(form): PageForm<VersionForm>,
) -> PageResult {
    match scal_app::agreements::publish_version(
        &state.app,
        &session.actor,
        &form.title,
        &form.text,
        &form.effective_date,
        state.now(),
    )
    .await
    .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(&state, "/agreement-versions", Notice::AgreementVersionPublished)),
        Err(FormOutcome::Errors(errors)) => versions_page(&state, &session, &form, &errors).await,
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

pub async fn request_acceptance(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    scal_app::agreements::request_acceptance(&state.app, &session.actor, &id, state.now()).await?;
    Ok(done(
        &state,
        "/agreement-versions",
        Notice::AgreementAcceptanceRequested,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct PrepareForm {
    #[serde(default)]
    version_id: String,
    #[serde(default)]
    signatory: String,
}

async fn list_page(
    state: &AppState,
    session: &CurrentSession,
    scal_id: &str,
    form: &PrepareForm,
    errors: &[FieldError],
) -> PageResult {
    let view = scal_app::scals::view_scal(&state.app, &session.actor, scal_id).await?;
    let list = scal_app::agreements::for_scal(&state.app, &session.actor, scal_id, state.now().date()).await?;
    let (_, cases) = scal_app::cases::cases(&state.app, &session.actor, scal_id, state.now()).await?;
    let approvals = scal_app::golive::for_scal(&state.app, &session.actor, scal_id).await?;
    let blockers = scal_app::golive::blockers(&state.app, &session.actor, scal_id, state.now()).await?;
    let nhse = authorize(&session.actor, Action::PrepareAgreement, Some(&view.product.org_id)).is_ok();
    let versions = if nhse {
        scal_app::agreements::versions(&state.app, &session.actor).await?
    } else {
        Vec::new()
    };
    let name = view.product.details.title();
    let options: Vec<(&str, &str)> = versions.iter().map(|v| (v.id.as_str(), v.title.as_str())).collect();
    let content = html! {
        (back_link(&format!("/scals/{scal_id}"), "Back to the SCAL"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (name) }
        h1 class="nhsuk-heading-xl" { "Connection agreement and go-live" }
        @if list.is_empty() {
            p class="nhsuk-body" { "NHS England prepares the connection agreement once the certificate of technical conformance is issued." }
        }
        @for a in &list {
            h2 class="nhsuk-heading-m" { a href=(format!("/agreements/{}", a.record.id)) { (a.record.reference) } " " (state_tag(a.state)) }
            p class="nhsuk-body" { (a.version.title) ", for " (a.signatory_name) " (" (a.signatory_email) ") to accept" }
        }
        @if nhse && !options.is_empty() {
            h2 class="nhsuk-heading-l" { "Prepare the agreement" }
            form method="post" action=(format!("/scals/{scal_id}/agreements")) novalidate {
                (csrf(&session.csrf_token))
                (select("version_id", "Agreement version", &options, &form.version_id, errors, None))
                (text_input("signatory", "Signatory's email address", &form.signatory, errors, InputOptions {
                    hint: Some("An administrator of the supplier. Only they can accept it."),
                    input_type: Some("email"),
                    spellcheck_off: true,
                    ..InputOptions::default()
                }))
                (button("Prepare the agreement"))
            }
        }
        h2 class="nhsuk-heading-l" id="go-live" { "Go-live" }
        @if !blockers.is_empty() {
            p class="nhsuk-body" { "Go-live cannot be approved yet:" }
            ul class="nhsuk-list nhsuk-list--bullet" { @for b in &blockers { li { (b) } } }
        }
        @for case in &cases {
            @let approved = approvals.iter().find(|a| a.case_id == case.id);
            h3 class="nhsuk-heading-s" { (case.service.name) " (" (case.service.code.as_str()) ")" }
            @if let Some(a) = approved {
                p class="nhsuk-body" { (tag("Live", "purple")) " Go-live approved by " (a.approved_by) " on " (date_time(a.approved_at)) }
            } @else if nhse && blockers.is_empty() {
                form method="post" action=(format!("/scals/{scal_id}/go-live")) novalidate {
                    (csrf(&session.csrf_token))
                    input type="hidden" name="service" value=(case.service.code.as_str());
                    button class="nhsuk-button" type="submit" { "Approve go-live" span class="nhsuk-u-visually-hidden" { " for " (case.service.code.as_str()) } }
                }
            } @else {
                p class="nhsuk-body" { (tag("Not live", "grey")) }
            }
        }
    };
    Ok(form_page(
        page(
            &format!("Connection agreement: {name}"),
            &Chrome::signed_in(session, Nav::Products),
            !errors.is_empty(),
            content,
        ),
        errors,
    ))
}

pub async fn list(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    list_page(&state, &session, &id, &PrepareForm::default(), &[]).await
}

/// A refusal (409 or blocked) shown on the form as errors against `field`.
fn refusal(error: AppError, field: &str) -> Result<Vec<FieldError>, PageError> {
    match error {
        AppError::Invalid(invalid) => Ok(invalid.0),
        AppError::Blocked(blockers) => Ok(blockers.into_iter().map(|b| FieldError::new(field, b)).collect()),
        AppError::Conflict(message) => Ok(vec![FieldError::new(field, message)]),
        other => Err(other.into()),
    }
}

pub async fn prepare(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<PrepareForm>,
) -> PageResult {
    match scal_app::agreements::prepare(
        &state.app,
        &session.actor,
        &id,
        &form.version_id,
        &form.signatory,
        state.now(),
    )
    .await
    {
        Ok(view) => Ok(done(
            &state,
            &format!("/agreements/{}", view.record.id),
            Notice::AgreementPrepared,
        )),
        Err(error) => {
            let errors = refusal(error, "version_id")?;
            list_page(&state, &session, &id, &form, &errors).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct GoLiveForm {
    #[serde(default)]
    service: String,
}

pub async fn approve_go_live(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<GoLiveForm>,
) -> PageResult {
    match scal_app::golive::approve(&state.app, &session.actor, &id, &form.service, state.now()).await {
        Ok(_) => Ok(done(&state, &format!("/scals/{id}/agreements"), Notice::GoLiveApproved)),
        Err(error @ (AppError::Blocked(_) | AppError::Conflict(_))) => {
            let errors = refusal(error, "go-live")?;
            list_page(&state, &session, &id, &PrepareForm::default(), &errors).await
        }
        Err(other) => Err(other.into()),
    }
}

fn agreement_page(
    session: &CurrentSession,
    view: &AgreementView,
    form: &AcceptForm,
    new_signatory: &str,
    errors: &[FieldError],
) -> Markup {
    let id = &view.record.id;
    let signatory = session.actor.user_id() == Some(view.record.signatory_user_id.as_str());
    let nhse = authorize(&session.actor, Action::PrepareAgreement, None).is_ok();
    let waiting = view.record.accepted_at.is_none();
    let content = html! {
        (back_link(&format!("/scals/{}/agreements", view.record.scal_id), "Back to the agreement and go-live"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { "Connection agreement " (view.record.reference) }
        h1 class="nhsuk-heading-xl" { (view.version.title) }
        (summary_list(&[
            ("State", state_tag(view.state), None),
            ("Supplier", html! { (view.supplier) }, None),
            ("Product", html! { (view.product) }, None),
            ("Signatory", html! { (view.signatory_name) " (" (view.signatory_email) ")" }, None),
            ("Version SHA-256", html! { code class="scal-id" { (view.version.sha256) } }, None),
            ("Takes effect", html! { (view.version.effective_date) }, None),
            ("Prepared", html! { (date_time(view.record.prepared_at)) " by " (view.record.prepared_by) }, None),
            ("Starts", html! { @match &view.record.start_date { Some(d) => { (d) } None => { "When it is accepted" } } }, None),
        ]))
        h2 class="nhsuk-heading-l" { "The agreement" }
        div class="nhsuk-inset-text" { p class="nhsuk-body scal-pre-line" { (view.version.text) } }
        @if waiting && !view.signatory_eligible {
            div class="nhsuk-warning-callout" {
                h2 class="nhsuk-warning-callout__label" {
                    span role="text" { span class="nhsuk-u-visually-hidden" { "Important: " } "The signatory cannot accept it" }
                }
                p { (view.signatory_name) " is no longer an active administrator of " (view.supplier) ". NHS England must name another signatory or withdraw the agreement." }
            }
        }
        @if let Some(doc) = &view.seal {
            h2 class="nhsuk-heading-l" { "Acceptance" }
            @if let Some(recomputed) = &view.seal_recomputed {
                div class="nhsuk-warning-callout" {
                    h2 class="nhsuk-warning-callout__label" {
                        span role="text" { span class="nhsuk-u-visually-hidden" { "Important: " } "The stored acceptance does not match its seal" }
                    }
                    p { "Recomputed from what is stored now, the seal SHA-256 is " code class="scal-id" { (recomputed) } ", not the one recorded at acceptance: the stored acceptance has been altered." }
                }
            }
            (summary_list(&[
                ("Accepted by", html! { (doc.seal.signatory.full_name) ", " (doc.seal.signatory.job_title) }, None),
                ("Accepted at", html! { (doc.seal.accepted_at) }, None),
                ("Seal SHA-256", html! { code class="scal-id" { (doc.seal_sha256) } }, None),
            ]))
            p class="nhsuk-body" {
                a href=(format!("/agreements/{id}/seal")) download { "Download the seal" }
                " and check it with " code { "scal verify --agreement FILE" } ": it recomputes the seal SHA-256 above."
            }
        } @else if signatory {
            h2 class="nhsuk-heading-l" { "Accept the agreement" }
            form method="post" action=(format!("/agreements/{id}/accept")) novalidate {
                (csrf(&session.csrf_token))
                div class="nhsuk-inset-text" { p class="nhsuk-body" { (CONSENT_STATEMENT) } }
                (text_input("full_name", "Your full name", &form.full_name, errors, InputOptions {
                    autocomplete: Some("name"),
                    spellcheck_off: true,
                    ..InputOptions::default()
                }))
                (text_input("job_title", "Your job title", &form.job_title, errors, InputOptions {
                    autocomplete: Some("organization-title"),
                    ..InputOptions::default()
                }))
                (button("Accept the agreement"))
            }
        } @else {
            p class="nhsuk-body" { "Waiting for " (view.signatory_name) " to accept it." }
        }
        @if nhse && waiting {
            h2 class="nhsuk-heading-l" { "Name a different signatory" }
            form method="post" action=(format!("/agreements/{id}/signatory")) novalidate {
                (csrf(&session.csrf_token))
                (text_input("signatory", "New signatory's email address", new_signatory, errors, InputOptions {
                    hint: Some("An active administrator of the supplier. They are told and only they can accept it."),
                    input_type: Some("email"),
                    spellcheck_off: true,
                    ..InputOptions::default()
                }))
                button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Change the signatory" }
            }
            h2 class="nhsuk-heading-l" { "Withdraw the agreement" }
            p class="nhsuk-body" { "It is removed and its signatory told; the audit log keeps what it was. You can then prepare a new one." }
            form method="post" action=(format!("/agreements/{id}/withdraw")) novalidate {
                (csrf(&session.csrf_token))
                button class="nhsuk-button nhsuk-button--warning" type="submit" { "Withdraw the agreement" }
            }
        }
    };
    page(
        &format!("Connection agreement {}", view.record.reference),
        &Chrome::signed_in(session, Nav::Products),
        !errors.is_empty(),
        content,
    )
}

pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let view = scal_app::agreements::get(&state.app, &session.actor, &id, state.now().date()).await?;
    Ok(agreement_page(&session, &view, &AcceptForm::default(), "", &[]).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct AcceptForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    job_title: String,
}

pub async fn accept(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Path(id): Path<String>,
    PageForm(form): PageForm<AcceptForm>,
) -> PageResult {
    let origin = crate::api::agreement_origin(client, &headers);
    match scal_app::agreements::accept(
        &state.app,
        &session.actor,
        &id,
        &form.full_name,
        &form.job_title,
        &origin,
        state.now(),
    )
    .await
    .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(&state, &format!("/agreements/{id}"), Notice::AgreementAccepted)),
        Err(FormOutcome::Errors(errors)) => {
            let view = scal_app::agreements::get(&state.app, &session.actor, &id, state.now().date()).await?;
            Ok(form_page(agreement_page(&session, &view, &form, "", &errors), &errors))
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SignatoryForm {
    #[serde(default)]
    signatory: String,
}

pub async fn change_signatory(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<SignatoryForm>,
) -> PageResult {
    match scal_app::agreements::change_signatory(&state.app, &session.actor, &id, &form.signatory, state.now()).await {
        Ok(_) => Ok(done(
            &state,
            &format!("/agreements/{id}"),
            Notice::AgreementSignatoryChanged,
        )),
        Err(error) => {
            let errors = refusal(error, "signatory")?;
            let view = scal_app::agreements::get(&state.app, &session.actor, &id, state.now().date()).await?;
            let page = agreement_page(&session, &view, &AcceptForm::default(), &form.signatory, &errors);
            Ok(form_page(page, &errors))
        }
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let record = scal_app::agreements::withdraw(&state.app, &session.actor, &id, state.now()).await?;
    Ok(done(
        &state,
        &format!("/scals/{}/agreements", record.scal_id),
        Notice::AgreementWithdrawn,
    ))
}

/// The acceptance's seal as a file, for `scal verify --agreement FILE` (the same document as
/// `GET /api/v1/agreements/{id}/seal`).
pub async fn seal(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let view = scal_app::agreements::get(&state.app, &session.actor, &id, state.now().date()).await?;
    let Some(doc) = view.seal else {
        return Err(AppError::Conflict(format!(
            "Agreement {} has not been accepted: it has no seal",
            view.record.reference
        ))
        .into());
    };
    let body = serde_json::to_string_pretty(&doc).map_err(|e| PageError::from(AppError::Internal(e.to_string())))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/json".to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-seal.json\"", view.record.reference),
            ),
        ],
        body,
    )
        .into_response())
}
