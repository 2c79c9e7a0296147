//! An end user organisation's DCB0160 local assurance of a shared product, in the NHS.UK
//! question-page pattern: a summary with a change link per answer, and one question per page
//! (the Clinical Safety Officer, each of the EUO's own files, local controls, the decision, the
//! go-live date). A refused approval lists each reason in the error summary.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use scal_app::local_assurance::LocalFile;
use scal_app::AppError;
use scal_domain::local_assurance::Decision;
use scal_domain::FieldError;
use serde::Deserialize;

use super::layout::{
    back_link, button, csrf, error_summary, page, radios, summary_list, tag, text_input, textarea, Chrome,
    InputOptions, Nav,
};
use super::{done, form_page, FormOutcome};
use crate::extract::PageForm;
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

fn or_none(value: &Option<String>) -> String {
    value
        .clone()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "Not recorded".into())
}

/// The summary of the EUO's local assurance.
pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let today = state.now().date();
    let view = scal_app::shares::get(&state.app, &session.actor, &id, today).await?;
    let local = scal_app::local_assurance::get(&state.app, &session.actor, &id, today).await?;
    let r = &local.record;
    let base = format!("/shares/{id}/local-assurance");
    let links = [
        format!("{base}/safety-officer"),
        format!("{base}/files/safety-case"),
        format!("{base}/files/hazard-log"),
        format!("{base}/local-controls"),
        format!("{base}/decision"),
        format!("{base}/go-live"),
    ];
    let content = html! {
        (back_link(&format!("/shares/{id}"), "Back to the product"))
        span class="nhsuk-caption-l" { (view.product) }
        h1 class="nhsuk-heading-xl" { "Local assurance (DCB0160)" }
        @if local.approval_blockers.is_empty() {
            p class="nhsuk-body" { "Everything an approval needs is in place." }
        } @else {
            div class="nhsuk-inset-text" {
                span class="nhsuk-u-visually-hidden" { "Information: " }
                p { "Before you can approve deployment:" }
                ul class="nhsuk-list nhsuk-list--bullet" {
                    @for b in &local.approval_blockers { li { (b.message()) } }
                }
            }
        }
        (summary_list(&[
            ("Clinical Safety Officer", html! {
                @if let (Some(n), Some(reg)) = (&r.cso_name, &r.cso_registration) { (n) br; (reg) } @else { "Not recorded" }
            }, Some((links[0].as_str(), "the Clinical Safety Officer"))),
            ("Clinical safety case report", html! {
                @match &local.safety_case {
                    Some(f) => a href=(format!("{base}/files/safety-case/file")) { (f.file_name) },
                    None => "Not uploaded",
                }
            }, Some((links[1].as_str(), "the clinical safety case report"))),
            ("Local hazard log", html! {
                @match &local.hazard_log {
                    Some(f) => a href=(format!("{base}/files/hazard-log/file")) { (f.file_name) },
                    None => "Not uploaded",
                }
            }, Some((links[2].as_str(), "the local hazard log"))),
            ("Local controls", html! { span class="scal-pre-line" { (or_none(&r.local_controls)) } }, Some((links[3].as_str(), "the local controls"))),
            ("Decision", html! {
                @match local.decision {
                    Some(d) => { (tag(d.label(), if d.approves() { "green" } else { "red" })) br; "On " (or_none(&r.decided_on)) " by " (or_none(&r.decided_by)) },
                    None => "Not decided",
                }
            }, Some((links[4].as_str(), "the decision"))),
            ("Go-live date", html! { (or_none(&r.go_live_on)) }, Some((links[5].as_str(), "the go-live date"))),
        ]))
    };
    Ok(page(
        "Local assurance",
        &Chrome::signed_in(&session, Nav::Dashboard),
        false,
        content,
    )
    .into_response())
}

/// One question page: the heading is the question.
async fn question(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    title: &str,
    form: maud::Markup,
    errors: &[FieldError],
) -> PageResult {
    let view = scal_app::shares::get(&state.app, &session.actor, id, state.now().date()).await?;
    let content = html! {
        (back_link(&format!("/shares/{id}/local-assurance"), "Back to local assurance"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (view.product) }
        h1 class="nhsuk-heading-xl" { (title) }
        (form)
    };
    Ok(form_page(
        page(
            title,
            &Chrome::signed_in(session, Nav::Dashboard),
            !errors.is_empty(),
            content,
        ),
        errors,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct OfficerForm {
    #[serde(default)]
    cso_name: String,
    #[serde(default)]
    cso_registration: String,
}

async fn officer_page(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    form: &OfficerForm,
    errors: &[FieldError],
) -> PageResult {
    let markup = html! {
        form method="post" action=(format!("/shares/{id}/local-assurance/safety-officer")) novalidate {
            (csrf(&session.csrf_token))
            (text_input("cso_name", "Full name", &form.cso_name, errors, InputOptions { autocomplete: Some("name"), ..InputOptions::default() }))
            (text_input("cso_registration", "Professional registration", &form.cso_registration, errors, InputOptions {
                hint: Some("For example, GMC 1234567 or NMC 12A3456E"),
                width_class: Some("nhsuk-input--width-20"),
                ..InputOptions::default()
            }))
            (button("Save and continue"))
        }
    };
    question(
        state,
        session,
        id,
        "Who is your Clinical Safety Officer?",
        markup,
        errors,
    )
    .await
}

pub async fn officer_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let local = scal_app::local_assurance::get(&state.app, &session.actor, &id, state.now().date()).await?;
    let form = OfficerForm {
        cso_name: local.record.cso_name.unwrap_or_default(),
        cso_registration: local.record.cso_registration.unwrap_or_default(),
    };
    officer_page(&state, &session, &id, &form, &[]).await
}

pub async fn save_officer(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<OfficerForm>,
) -> PageResult {
    match scal_app::local_assurance::save_safety_officer(
        &state.app,
        &session.actor,
        &id,
        &form.cso_name,
        &form.cso_registration,
        state.now(),
    )
    .await
    .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(
            &state,
            &format!("/shares/{id}/local-assurance"),
            Notice::LocalAssuranceSaved,
        )),
        Err(FormOutcome::Errors(errors)) => officer_page(&state, &session, &id, &form, &errors).await,
        Err(FormOutcome::Failed(e)) => Err(e),
    }
}

fn which_file(raw: &str) -> Result<LocalFile, PageError> {
    LocalFile::parse(raw).ok_or_else(|| PageError::from(AppError::NotFound))
}

async fn file_page(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    which: LocalFile,
    errors: &[FieldError],
) -> PageResult {
    let error = errors.iter().find(|e| e.field == "file").map(|e| e.message.clone());
    let markup = html! {
        form method="post" action=(format!("/shares/{id}/local-assurance/files/{}", which.slug())) enctype="multipart/form-data" novalidate {
            // First, so it is checked before the file is read (see `session`).
            (csrf(&session.csrf_token))
            div class={ "nhsuk-form-group" @if error.is_some() { " nhsuk-form-group--error" } } {
                label class="nhsuk-label" for="file" { "Your " (which.label()) }
                div class="nhsuk-hint" id="file-hint" {
                    "A PDF, Word document, Excel workbook or other accepted file, up to "
                    (state.app.settings.max_evidence_bytes / (1024 * 1024)) " MB. It stays your organisation's: it is never shared."
                }
                @if let Some(error) = &error {
                    span class="nhsuk-error-message" id="file-error" { span class="nhsuk-u-visually-hidden" { "Error:" } " " (error) }
                }
                input class={ "nhsuk-file-upload" @if error.is_some() { " nhsuk-file-upload--error" } } id="file" name="file" type="file"
                    aria-describedby={ "file-hint" @if error.is_some() { " file-error" } };
            }
            (button("Upload and continue"))
        }
    };
    let title = format!("Upload your {}", which.label());
    question(state, session, id, &title, markup, errors).await
}

pub async fn file_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, which)): Path<(String, String)>,
) -> PageResult {
    let which = which_file(&which)?;
    scal_app::local_assurance::get(&state.app, &session.actor, &id, state.now().date()).await?;
    file_page(&state, &session, &id, which, &[]).await
}

pub async fn upload(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, which)): Path<(String, String)>,
    request: axum::extract::Request,
) -> PageResult {
    let which = which_file(&which)?;
    // Authorised before anything is read.
    scal_app::local_assurance::get(&state.app, &session.actor, &id, state.now().date()).await?;
    let mut multipart = super::read_upload(request, &state).await?;
    let too_big = || {
        vec![FieldError::new(
            "file",
            format!(
                "The file is larger than {} MiB",
                state.app.settings.max_evidence_bytes / (1024 * 1024)
            ),
        )]
    };
    let mut file_name = String::new();
    let mut bytes = axum::body::Bytes::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return file_page(&state, &session, &id, which, &too_big()).await;
            }
            Err(e) => return Err(super::unreadable_upload(e)),
        };
        if field.name() == Some("file") {
            file_name = field.file_name().unwrap_or_default().to_string();
            bytes = match field.bytes().await {
                Ok(bytes) => bytes,
                Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                    return file_page(&state, &session, &id, which, &too_big()).await;
                }
                Err(e) => return Err(super::unreadable_upload(e)),
            };
        }
    }
    if bytes.is_empty() {
        return file_page(
            &state,
            &session,
            &id,
            which,
            &[FieldError::new("file", "Choose a file to upload")],
        )
        .await;
    }
    match scal_app::local_assurance::upload(&state.app, &session.actor, &id, which, &file_name, &bytes, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(
            &state,
            &format!("/shares/{id}/local-assurance"),
            Notice::LocalAssuranceSaved,
        )),
        Err(FormOutcome::Errors(errors)) => file_page(&state, &session, &id, which, &errors).await,
        Err(FormOutcome::Failed(e)) => Err(e),
    }
}

pub async fn download(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, which)): Path<(String, String)>,
) -> PageResult {
    let which = which_file(&which)?;
    let (record, bytes) =
        scal_app::local_assurance::file(&state.app, &session.actor, &id, which, state.now().date()).await?;
    Ok(crate::file_download(&record.file_name, &record.content_type, bytes))
}

#[derive(Debug, Default, Deserialize)]
pub struct ControlsForm {
    #[serde(default)]
    local_controls: String,
}

async fn controls_page(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    form: &ControlsForm,
    errors: &[FieldError],
) -> PageResult {
    let markup = html! {
        form method="post" action=(format!("/shares/{id}/local-assurance/local-controls")) novalidate {
            (csrf(&session.csrf_token))
            (textarea("local_controls", "Local controls", &form.local_controls, errors,
                Some("What your organisation does locally to manage the product's clinical risks: training, configuration, procedures. Leave empty if there are none.")))
            (button("Save and continue"))
        }
    };
    question(
        state,
        session,
        id,
        "What local controls will you put in place?",
        markup,
        errors,
    )
    .await
}

pub async fn controls_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let local = scal_app::local_assurance::get(&state.app, &session.actor, &id, state.now().date()).await?;
    let form = ControlsForm {
        local_controls: local.record.local_controls.unwrap_or_default(),
    };
    controls_page(&state, &session, &id, &form, &[]).await
}

pub async fn save_controls(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<ControlsForm>,
) -> PageResult {
    match scal_app::local_assurance::save_local_controls(
        &state.app,
        &session.actor,
        &id,
        &form.local_controls,
        state.now(),
    )
    .await
    .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(
            &state,
            &format!("/shares/{id}/local-assurance"),
            Notice::LocalAssuranceSaved,
        )),
        Err(FormOutcome::Errors(errors)) => controls_page(&state, &session, &id, &form, &errors).await,
        Err(FormOutcome::Failed(e)) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    decided_on: String,
}

async fn decision_page(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    form: &DecisionForm,
    errors: &[FieldError],
) -> PageResult {
    let options: Vec<(&str, &str)> = Decision::ALL.iter().map(|d| (d.as_str(), d.label())).collect();
    let markup = html! {
        form method="post" action=(format!("/shares/{id}/local-assurance/decision")) novalidate {
            (csrf(&session.csrf_token))
            (radios("decision", "Decision", &options, &form.decision, errors,
                Some("An approval needs a valid certificate, the current acceptable use policy acknowledged, your Clinical Safety Officer, safety case report and hazard log.")))
            (text_input("decided_on", "Date of the decision", &form.decided_on, errors, InputOptions {
                hint: Some("For example, 2026-12-01"),
                width_class: Some("nhsuk-input--width-10"),
                ..InputOptions::default()
            }))
            (button("Record the decision"))
        }
    };
    question(
        state,
        session,
        id,
        "What is your decision on deploying the product?",
        markup,
        errors,
    )
    .await
}

pub async fn decision_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let local = scal_app::local_assurance::get(&state.app, &session.actor, &id, state.now().date()).await?;
    let form = DecisionForm {
        decision: local.record.decision.unwrap_or_default(),
        decided_on: local
            .record
            .decided_on
            .unwrap_or_else(|| state.now().date().to_string()),
    };
    decision_page(&state, &session, &id, &form, &[]).await
}

pub async fn decide(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<DecisionForm>,
) -> PageResult {
    match scal_app::local_assurance::decide(
        &state.app,
        &session.actor,
        &id,
        &form.decision,
        &form.decided_on,
        state.now(),
    )
    .await
    {
        Ok(_) => Ok(done(
            &state,
            &format!("/shares/{id}/local-assurance"),
            Notice::LocalDecisionRecorded,
        )),
        // A refused approval: each reason, on the decision.
        Err(AppError::Blocked(reasons)) => {
            let errors: Vec<FieldError> = reasons.into_iter().map(|r| FieldError::new("decision", r)).collect();
            decision_page(&state, &session, &id, &form, &errors).await
        }
        Err(e) => match FormOutcome::from(e) {
            FormOutcome::Errors(errors) => decision_page(&state, &session, &id, &form, &errors).await,
            FormOutcome::Failed(e) => Err(e),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct GoLiveForm {
    #[serde(default)]
    go_live_on: String,
}

async fn go_live_page(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    form: &GoLiveForm,
    errors: &[FieldError],
) -> PageResult {
    let markup = html! {
        form method="post" action=(format!("/shares/{id}/local-assurance/go-live")) novalidate {
            (csrf(&session.csrf_token))
            (text_input("go_live_on", "Go-live date", &form.go_live_on, errors, InputOptions {
                hint: Some("For example, 2027-01-15. On or after your decision to approve."),
                width_class: Some("nhsuk-input--width-10"),
                ..InputOptions::default()
            }))
            (button("Save the go-live date"))
        }
    };
    question(
        state,
        session,
        id,
        "When does the product go live in your organisation?",
        markup,
        errors,
    )
    .await
}

pub async fn go_live_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let local = scal_app::local_assurance::get(&state.app, &session.actor, &id, state.now().date()).await?;
    let form = GoLiveForm {
        go_live_on: local.record.go_live_on.unwrap_or_default(),
    };
    go_live_page(&state, &session, &id, &form, &[]).await
}

pub async fn save_go_live(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<GoLiveForm>,
) -> PageResult {
    match scal_app::local_assurance::record_go_live(&state.app, &session.actor, &id, &form.go_live_on, state.now())
        .await
    {
        Ok(_) => Ok(done(
            &state,
            &format!("/shares/{id}/local-assurance"),
            Notice::GoLiveDateRecorded,
        )),
        // Refused while the certificate is not valid: why, on the date.
        Err(AppError::Blocked(reasons)) => {
            let errors: Vec<FieldError> = reasons.into_iter().map(|r| FieldError::new("go_live_on", r)).collect();
            go_live_page(&state, &session, &id, &form, &errors).await
        }
        Err(e) => match FormOutcome::from(e) {
            FormOutcome::Errors(errors) => go_live_page(&state, &session, &id, &form, &errors).await,
            FormOutcome::Failed(e) => Err(e),
        },
    }
}
