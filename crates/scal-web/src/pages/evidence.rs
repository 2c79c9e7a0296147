//! Evidence files: the organisation's files for a SCAL, uploading one, linking one to a
//! requirement, and downloading one.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::html;
use scal_app::AppError;
use scal_domain::policy::{authorize, Action};
use scal_domain::FieldError;
use serde::Deserialize;

use super::done;
use super::layout::{back_link, button, csrf, data_table, date_time, error_summary, page, Caption, Chrome, Nav};
use super::onboarding::{product_name, refusal, requirement_page};
use crate::extract::PageForm;
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{:.0} KB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

async fn evidence_page(state: &AppState, session: &CurrentSession, id: &str, errors: &[FieldError]) -> PageResult {
    let view = scal_app::scals::view_scal(&state.app, &session.actor, id).await?;
    let files = scal_app::evidence::list(&state.app, &session.actor, id).await?;
    let can_upload = authorize(&session.actor, Action::AnswerScal, Some(&view.product.org_id)).is_ok();
    let error = errors.iter().find(|e| e.field == "file").map(|e| e.message.as_str());
    let scal_id = &view.scal.id;
    let content = html! {
        (back_link(&format!("/scals/{scal_id}"), "Back to the SCAL"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (product_name(&view)) }
        h1 class="nhsuk-heading-xl" { "Evidence files" }
        p class="nhsuk-body" { "Files belong to your organisation: upload a file once and link it to any requirement of any SCAL." }
        @if files.is_empty() {
            p class="nhsuk-body" { "No files have been uploaded yet." }
        } @else {
            (data_table("Evidence files", Caption::Hidden, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "File" }
                        th class="nhsuk-table__header" scope="col" { "Type" }
                        th class="nhsuk-table__header" scope="col" { "Size" }
                        th class="nhsuk-table__header" scope="col" { "SHA-256" }
                        th class="nhsuk-table__header" scope="col" { "Uploaded" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for file in &files {
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { a href=(format!("/evidence/{}", file.id)) { (file.file_name) } }
                            td class="nhsuk-table__cell" { (scal_domain::evidence::EvidenceKind::from_content_type(&file.content_type).map_or(file.content_type.as_str(), |k| k.label())) }
                            td class="nhsuk-table__cell" { (size(file.size)) }
                            td class="nhsuk-table__cell" {
                                details class="nhsuk-details nhsuk-u-margin-bottom-0" {
                                    summary class="nhsuk-details__summary" {
                                        span class="nhsuk-details__summary-text" { code { (file.sha256.get(..12).unwrap_or(&file.sha256)) } span class="nhsuk-u-visually-hidden" { ", show it in full" } }
                                    }
                                    div class="nhsuk-details__text" { code class="scal-hash" { (file.sha256) } }
                                }
                            }
                            td class="nhsuk-table__cell" {
                                (file.uploaded_by) br; (date_time(file.uploaded_at))
                                @if can_upload {
                                    br; a href=(format!("/scals/{scal_id}/evidence/{}/delete", file.id)) { "Delete" span class="nhsuk-u-visually-hidden" { " " (file.file_name) } }
                                }
                            }
                        }
                    }
                }
            }))
        }
        @if can_upload {
            h2 class="nhsuk-heading-m" { "Upload a file" }
            form method="post" action=(format!("/scals/{scal_id}/evidence"))
                enctype="multipart/form-data" novalidate {
                // First, so it is checked before the file is read (see `session`).
                (super::layout::csrf(&session.csrf_token))
                div class={ "nhsuk-form-group" @if error.is_some() { " nhsuk-form-group--error" } } {
                    label class="nhsuk-label" for="file" { "Evidence file" }
                    div class="nhsuk-hint" id="file-hint" { "A PDF, PNG or JPEG image, Word document, Excel workbook, ZIP, text or CSV file, up to "
                        (state.app.settings.max_evidence_bytes / (1024 * 1024)) " MB" }
                    @if let Some(error) = error {
                        span class="nhsuk-error-message" id="file-error" {
                            span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                        }
                    }
                    input class={ "nhsuk-file-upload" @if error.is_some() { " nhsuk-file-upload--error" } } id="file" name="file" type="file"
                        aria-describedby={ "file-hint" @if error.is_some() { " file-error" } };
                }
                (button("Upload the file"))
            }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        page(
            &format!("Evidence files - {}", product_name(&view)),
            &Chrome::signed_in(session, Nav::Products),
            !errors.is_empty(),
            content,
        ),
    )
        .into_response())
}

pub async fn list(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    evidence_page(&state, &session, &id, &[]).await
}

/// Authorises before reading the upload.
pub async fn upload(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> PageResult {
    let (_, product) = scal_app::scals::get_scal(&state.app, &session.actor, &id).await?;
    authorize(&session.actor, Action::AnswerScal, Some(&product.org_id)).map_err(AppError::from)?;
    let mut multipart = super::read_upload(request, &state).await?;
    let too_big = || {
        FieldError::new(
            "file",
            format!(
                "The file is larger than {} MiB",
                state.app.settings.max_evidence_bytes / (1024 * 1024)
            ),
        )
    };
    let mut file_name = String::new();
    let mut bytes = axum::body::Bytes::new();
    // Set when uploading from a question's page: link the file there and go back to it.
    let mut target: (Option<String>, Option<String>) = (None, None);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return evidence_page(&state, &session, &id, &[too_big()]).await;
            }
            Err(e) => return Err(super::unreadable_upload(e)),
        };
        match field.name() {
            Some("sheet_id") => {
                target.0 = Some(field.text().await.map_err(super::unreadable_upload)?);
                continue;
            }
            Some("requirement_id") => {
                target.1 = Some(field.text().await.map_err(super::unreadable_upload)?);
                continue;
            }
            _ => {}
        }
        if field.name() == Some("file") {
            file_name = field.file_name().unwrap_or_default().to_string();
            bytes = match field.bytes().await {
                Ok(bytes) => bytes,
                Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                    return evidence_page(&state, &session, &id, &[too_big()]).await;
                }
                Err(e) => return Err(super::unreadable_upload(e)),
            };
        }
    }
    let question = match target {
        (Some(sheet), Some(requirement)) => Some((sheet, requirement.trim().to_string())),
        _ => None,
    };
    // Errors go back to the page the form was on.
    let refused = |errors: Vec<FieldError>| {
        let (state, session, id, question) = (&state, &session, &id, &question);
        async move {
            match question {
                Some((sheet, requirement)) => {
                    requirement_page(state, session, (id, sheet, requirement), None, &errors).await
                }
                None => evidence_page(state, session, id, &errors).await,
            }
        }
    };
    if file_name.is_empty() && bytes.is_empty() {
        return refused(vec![FieldError::new("file", "Choose a file to upload")]).await;
    }
    let uploaded =
        match scal_app::evidence::upload(&state.app, &session.actor, &id, &file_name, &bytes, state.now()).await {
            Ok(file) => file,
            Err(AppError::Invalid(invalid)) => return refused(invalid.0).await,
            Err(other) => return Err(other.into()),
        };
    let Some((sheet, requirement)) = &question else {
        return Ok(done(&state, &format!("/scals/{id}/evidence"), Notice::EvidenceUploaded));
    };
    match scal_app::evidence::link(
        &state.app,
        &session.actor,
        &id,
        &uploaded.id,
        sheet,
        requirement,
        state.now(),
    )
    .await
    {
        Ok(()) => Ok(done(
            &state,
            &question_evidence(&id, sheet, requirement),
            Notice::EvidenceLinked,
        )),
        Err(AppError::Invalid(invalid)) => {
            refused(
                invalid
                    .0
                    .into_iter()
                    .map(|e| FieldError::new("file", e.message))
                    .collect(),
            )
            .await
        }
        Err(other) => Err(refusal(other)),
    }
}

/// Unlinks a file from a requirement, from the requirement's page.
pub async fn unlink(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<LinkForm>,
) -> PageResult {
    let unlinked = scal_app::evidence::unlink(
        &state.app,
        &session.actor,
        &id,
        &form.evidence_id,
        &form.sheet_id,
        &form.requirement_id,
        state.now(),
    )
    .await;
    back_to_question(&state, &session, &id, &form, unlinked, Notice::EvidenceUnlinked).await
}

/// The file, if it belongs to the SCAL's organisation (anything else is not found).
async fn file_of_scal(
    state: &AppState,
    session: &CurrentSession,
    scal_id: &str,
    evidence_id: &str,
) -> Result<(scal_app::scals::ScalView, scal_store::records::evidence::EvidenceRecord), PageError> {
    let view = scal_app::scals::view_scal(&state.app, &session.actor, scal_id).await?;
    let files = scal_app::evidence::list(&state.app, &session.actor, scal_id).await?;
    let file = files
        .into_iter()
        .find(|f| f.id == evidence_id)
        .ok_or_else(PageError::not_found)?;
    Ok((view, file))
}

/// "Delete this file?": what deleting does, and the button.
pub async fn confirm_delete(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, evidence_id)): Path<(String, String)>,
) -> PageResult {
    let (view, file) = file_of_scal(&state, &session, &id, &evidence_id).await?;
    authorize(&session.actor, Action::AnswerScal, Some(&view.product.org_id)).map_err(AppError::from)?;
    let kept = scal_app::evidence::submitted(&state.app, &file).await?;
    let content = html! {
        (back_link(&format!("/scals/{id}/evidence"), "Back to the evidence files"))
        span class="nhsuk-caption-l" { (product_name(&view)) }
        h1 class="nhsuk-heading-xl" { "Delete " (file.file_name) "?" }
        @if kept {
            p class="nhsuk-body" { "This file cannot be deleted: it is part of a SCAL round submitted to NHS England, which must stay as it was submitted." }
        } @else {
            p class="nhsuk-body" { "It is unlinked from every question it backs, and a question answered only by this file becomes unanswered. You cannot undo this." }
            form method="post" action=(format!("/scals/{id}/evidence/{}/delete", file.id)) novalidate {
                (csrf(&session.csrf_token))
                button class="nhsuk-button nhsuk-button--warning" type="submit" { "Delete the file" }
            }
        }
    };
    Ok(page(
        "Delete the file",
        &Chrome::signed_in(&session, Nav::Products),
        false,
        content,
    )
    .into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, evidence_id)): Path<(String, String)>,
) -> PageResult {
    let (_, file) = file_of_scal(&state, &session, &id, &evidence_id).await?;
    scal_app::evidence::delete(&state.app, &session.actor, &file.id, state.now())
        .await
        .map_err(refusal)?;
    Ok(done(&state, &format!("/scals/{id}/evidence"), Notice::EvidenceDeleted))
}

#[derive(Debug, Default, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    evidence_id: String,
    #[serde(default)]
    sheet_id: String,
    #[serde(default)]
    requirement_id: String,
}

/// Links a file to a requirement, from the requirement's page.
pub async fn link(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<LinkForm>,
) -> PageResult {
    let linked = scal_app::evidence::link(
        &state.app,
        &session.actor,
        &id,
        &form.evidence_id,
        &form.sheet_id,
        &form.requirement_id,
        state.now(),
    )
    .await;
    back_to_question(&state, &session, &id, &form, linked, Notice::EvidenceLinked).await
}

/// A question's page at its evidence.
fn question_evidence(scal_id: &str, sheet_id: &str, requirement_id: &str) -> String {
    format!(
        "/scals/{scal_id}/sheets/{sheet_id}/requirements/{}#evidence",
        urlencoding::encode(requirement_id.trim())
    )
}

/// After linking or unlinking from a question's page: back to it with `notice`, or the page
/// again with the refusal on its file field.
async fn back_to_question(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    form: &LinkForm,
    outcome: scal_app::Result<()>,
    notice: Notice,
) -> PageResult {
    match outcome {
        Ok(()) => Ok(done(
            state,
            &question_evidence(id, &form.sheet_id, &form.requirement_id),
            notice,
        )),
        Err(AppError::Invalid(invalid)) => {
            let errors: Vec<FieldError> = invalid
                .0
                .into_iter()
                .map(|e| FieldError::new("evidence_id", e.message))
                .collect();
            let ids = (id, form.sheet_id.as_str(), form.requirement_id.trim());
            requirement_page(state, session, ids, None, &errors).await
        }
        Err(other) => Err(refusal(other)),
    }
}

/// The file as an attachment, with the type it was sniffed as.
pub async fn download(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let (record, bytes) = scal_app::evidence::download(&state.app, &session.actor, &id).await?;
    let name: String = record
        .file_name
        .chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let ascii: String = name.chars().map(|c| if c.is_ascii() { c } else { '_' }).collect();
    let disposition = format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        urlencoding::encode(&name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, record.content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}
