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
use super::layout::{back_link, button, data_table, date_time, error_summary, page, Caption, Chrome, Nav};
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
                            td class="nhsuk-table__cell" { code class="nhsuk-body-s" { (file.sha256) } }
                            td class="nhsuk-table__cell" { (file.uploaded_by) br; (date_time(file.uploaded_at)) }
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
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return evidence_page(&state, &session, &id, &[too_big()]).await;
            }
            Err(e) => return Err(super::unreadable_upload(e)),
        };
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
    if file_name.is_empty() && bytes.is_empty() {
        return evidence_page(
            &state,
            &session,
            &id,
            &[FieldError::new("file", "Choose a file to upload")],
        )
        .await;
    }
    match scal_app::evidence::upload(&state.app, &session.actor, &id, &file_name, &bytes, state.now()).await {
        Ok(_) => Ok(done(&state, &format!("/scals/{id}/evidence"), Notice::EvidenceUploaded)),
        Err(AppError::Invalid(invalid)) => evidence_page(&state, &session, &id, &invalid.0).await,
        Err(other) => Err(other.into()),
    }
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
    match scal_app::evidence::link(
        &state.app,
        &session.actor,
        &id,
        &form.evidence_id,
        &form.sheet_id,
        &form.requirement_id,
        state.now(),
    )
    .await
    {
        Ok(()) => Ok(done(
            &state,
            &format!(
                "/scals/{id}/sheets/{}/requirements/{}#evidence",
                form.sheet_id,
                form.requirement_id.trim()
            ),
            Notice::EvidenceLinked,
        )),
        Err(AppError::Invalid(invalid)) => {
            let errors: Vec<FieldError> = invalid
                .0
                .into_iter()
                .map(|e| FieldError::new("evidence_id", e.message))
                .collect();
            let ids = (id.as_str(), form.sheet_id.as_str(), form.requirement_id.trim());
            requirement_page(&state, &session, ids, None, &errors).await
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
