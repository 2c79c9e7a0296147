//! Reviewing a round offline (NHS England): download the round as a workbook with the supplier's
//! answers locked and the verdict, decision, comments and conditions columns open, and upload it
//! back. The upload is all or nothing; every problem is listed by sheet, row and column.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::submissions::SubmissionView;
use scal_app::AppError;
use scal_domain::policy::{authorize, Action};
use scal_domain::review::RoundStatus;
use scal_domain::FieldError;

use super::done;
use super::layout::{back_link, button, csrf, page, Chrome, Nav};
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

/// The submission, if the signed-in user may review it (another organisation's: not found).
async fn reviewable(state: &AppState, session: &CurrentSession, id: &str) -> Result<SubmissionView, PageError> {
    let view = scal_app::submissions::get(&state.app, &session.actor, id).await?;
    authorize(&session.actor, Action::ReviewSubmission, Some(&view.product.org_id)).map_err(AppError::from)?;
    Ok(view)
}

fn offline_page(session: &CurrentSession, view: &SubmissionView, errors: &[FieldError]) -> Markup {
    let s = &view.submission;
    let pending = s.round_status() == RoundStatus::Submitted;
    let content = html! {
        (back_link(&format!("/submissions/{}", s.id), "Back to the round"))
        @if !errors.is_empty() {
            div class="nhsuk-error-summary" tabindex="-1" autofocus {
                div role="alert" {
                    h2 class="nhsuk-error-summary__heading" { "The workbook was not applied" }
                    div class="nhsuk-error-summary__body" {
                        p { "No verdict was recorded. Correct these and upload it again:" }
                        ul class="nhsuk-list nhsuk-error-summary__list" {
                            @for e in errors { li { a href="#file" { (e.message) } } }
                        }
                    }
                }
            }
        }
        span class="nhsuk-caption-l" { (view.product.details.title()) ", round " (s.round) }
        h1 class="nhsuk-heading-xl" { "Review offline" }
        p class="nhsuk-body" {
            "Download the round as a workbook: the supplier's answers are locked, and each item has a verdict, a decision (red items only), an NHS England comments and a conditions column for you to fill in. Verdicts already recorded are filled in."
        }
        p class="nhsuk-body" {
            a href=(format!("/submissions/{}/review.xlsx", s.id)) download { "Download the review workbook (.xlsx)" }
        }
        @if pending {
            h2 class="nhsuk-heading-m" { "Upload your verdicts" }
            p class="nhsuk-body" {
                "Rows are matched by requirement ID. Rows you did not change are left as they are. If anything in the workbook is invalid, no verdict is recorded and every problem is listed by sheet, row and column."
            }
            form method="post" action=(format!("/submissions/{}/review-workbook", s.id)) enctype="multipart/form-data" novalidate {
                // First, so it is checked before the file is read (see `session`).
                (csrf(&session.csrf_token))
                div class={ "nhsuk-form-group" @if !errors.is_empty() { " nhsuk-form-group--error" } } {
                    label class="nhsuk-label" for="file" { "Review workbook" }
                    div class="nhsuk-hint" id="file-hint" { "The workbook downloaded from this page, as an Excel workbook (.xlsx)" }
                    @if !errors.is_empty() {
                        span class="nhsuk-error-message" id="file-error" {
                            span class="nhsuk-u-visually-hidden" { "Error:" } " Correct the problems listed above"
                        }
                    }
                    input class={ "nhsuk-file-upload" @if !errors.is_empty() { " nhsuk-file-upload--error" } } id="file" name="file" type="file" accept=".xlsx"
                        aria-describedby={ "file-hint" @if !errors.is_empty() { " file-error" } };
                }
                (button("Upload verdicts"))
            }
        } @else {
            p class="nhsuk-body" { "This round has been decided: its verdicts can no longer be changed." }
        }
    };
    page(
        "Review offline",
        &Chrome::signed_in(session, Nav::Submissions),
        !errors.is_empty(),
        content,
    )
}

pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let view = reviewable(&state, &session, &id).await?;
    Ok(offline_page(&session, &view, &[]).into_response())
}

pub async fn download(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let workbook = scal_app::review::export_workbook(&state.app, &session.actor, &id, state.now()).await?;
    Ok(crate::xlsx_download(workbook))
}

/// Authorises before reading the upload.
pub async fn upload(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> PageResult {
    let view = reviewable(&state, &session, &id).await?;
    let mut multipart = super::read_upload(request, &state).await?;
    let mut bytes = axum::body::Bytes::new();
    while let Some(field) = multipart.next_field().await.map_err(super::unreadable_upload)? {
        if field.name() == Some("file") {
            bytes = field.bytes().await.map_err(super::unreadable_upload)?;
        }
    }
    if bytes.is_empty() {
        let errors = [FieldError::new("file", "Choose the review workbook to upload")];
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, offline_page(&session, &view, &errors)).into_response());
    }
    let back = format!("/submissions/{id}/offline");
    match scal_app::review::import_workbook(
        &state.app,
        &session.actor,
        &id,
        bytes,
        state.upload_limits(),
        state.now(),
    )
    .await
    {
        Ok(outcome) if outcome.recorded == 0 => Ok(done(&state, &back, Notice::ReviewWorkbookUnchanged)),
        Ok(_) => Ok(done(&state, &back, Notice::ReviewWorkbookRecorded)),
        Err(AppError::Invalid(invalid)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            offline_page(&session, &view, &invalid.0),
        )
            .into_response()),
        Err(AppError::Conflict(message)) => Err(PageError::new(
            StatusCode::CONFLICT,
            "This round has already been decided",
            message,
        )),
        Err(other) => Err(other.into()),
    }
}
