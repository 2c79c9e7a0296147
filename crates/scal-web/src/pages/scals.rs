//! A product's SCAL on its page: issued sheets, the workbook download, answer uploads and, for
//! NHS England, issuing template sheets.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::scals::AnswersUpload;
use scal_app::AppError;
use scal_domain::policy::{authorize, Action};
use serde::Deserialize;

use super::done;
use super::layout::{button, checkbox, csrf, data_table, date_time, page, select, tag, Caption, Chrome, Nav};
use crate::extract::PageForm;
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};
use scal_domain::template::Rag;

type PageResult = Result<Response, PageError>;

pub(crate) fn rag_tag(rag: Rag) -> Markup {
    match rag {
        Rag::Red => tag("Red", "red"),
        Rag::Amber => tag("Amber", "orange"),
        Rag::Green => tag("Green", "green"),
        Rag::None => tag("Not answered", "grey"),
    }
}

/// The SCAL section of the product page.
pub async fn section(
    state: &AppState,
    session: &CurrentSession,
    product_id: &str,
    org_id: &str,
) -> Result<Markup, PageError> {
    let actor = &session.actor;
    let (issued, total) = scal_app::scals::view(&state.app, actor, product_id).await?;
    let flagged: Vec<(&str, &scal_app::scals::RequirementView)> = issued
        .iter()
        .flat_map(|s| s.requirements.iter().map(move |r| (s.name.as_str(), r)))
        .filter(|(_, r)| matches!(r.rag, Rag::Red | Rag::Amber))
        .collect();
    let scal_id = scal_app::scals::sheets(&state.app, actor, product_id)
        .await?
        .first()
        .map(|s| s.record.scal_id.clone());
    let can_issue = authorize(actor, Action::IssueScal, Some(org_id)).is_ok();
    let can_answer = authorize(actor, Action::AnswerScal, Some(org_id)).is_ok();
    // A supplier is offered "Ask for a SCAL" here unless a request for this product is waiting.
    let can_ask = authorize(actor, Action::RequestScal, Some(org_id)).is_ok();
    let waiting = if can_ask {
        scal_app::enquiries::list(&state.app, actor)
            .await?
            .into_iter()
            .find(|e| e.status == "open" && e.product_id == product_id)
    } else {
        None
    };
    let templates = if can_issue {
        scal_app::templates::list(&state.app, actor).await?
    } else {
        Vec::new()
    };
    let options: Vec<(String, String)> = templates
        .iter()
        .filter(|(_, versions)| versions.iter().any(|v| v.published))
        .map(|(t, _)| (t.id.clone(), t.name.clone()))
        .collect();
    let option_refs: Vec<(&str, &str)> = [("", "Choose a template")]
        .into_iter()
        .chain(options.iter().map(|(a, b)| (a.as_str(), b.as_str())))
        .collect();
    Ok(html! {
        h2 class="nhsuk-heading-l" { "SCAL" }
        @if let Some(id) = &scal_id {
            p class="nhsuk-body" { a class="nhsuk-button nhsuk-u-margin-bottom-2" href=(format!("/scals/{id}")) { "Open the SCAL" } }
        }
        @if issued.is_empty() {
            p class="nhsuk-body" { "No SCAL has been issued for this product yet. NHS England issues it when you ask to onboard to a service." }
            @if let Some(enquiry) = &waiting {
                p class="nhsuk-body" {
                    "Waiting for NHS England to issue the SCAL. "
                    a href=(format!("/enquiries/{}", enquiry.id)) { "View your request" }
                }
            } @else if can_ask {
                p class="nhsuk-body" { a href=(format!("/enquiries/new?product={product_id}")) { "Ask for a SCAL for this product" } }
            }
        } @else {
            ul class="nhsuk-list nhsuk-list--bullet" {
                @for sheet in &issued {
                    li {
                        (sheet.name) ": " (sheet.requirements.len() - sheet.summary.unanswered) " of "
                        (sheet.requirements.len()) " answered"
                        @if sheet.summary.red > 0 { " " (tag(&format!("{} red", sheet.summary.red), "red")) }
                        @if sheet.summary.amber > 0 { " " (tag(&format!("{} amber", sheet.summary.amber), "orange")) }
                    }
                }
            }
            @if !flagged.is_empty() {
                (data_table(&format!("Answers that need a decision ({} red, {} amber)", total.red, total.amber), Caption::Shown, html! {
                    thead class="nhsuk-table__head" {
                        tr class="nhsuk-table__row" {
                            th class="nhsuk-table__header" scope="col" { "Requirement" }
                            th class="nhsuk-table__header" scope="col" { "Answer" }
                            th class="nhsuk-table__header" scope="col" { "Justification" }
                            th class="nhsuk-table__header" scope="col" { "Mitigation" }
                        }
                    }
                    tbody class="nhsuk-table__body" {
                        @for (sheet, row) in &flagged {
                            tr class="nhsuk-table__row" {
                                td class="nhsuk-table__cell" {
                                    code { (row.requirement.id) } " " (rag_tag(row.rag)) br;
                                    span class="nhsuk-hint" { (sheet) ", " (row.requirement.level.plain()) }
                                }
                                td class="nhsuk-table__cell" { (row.answer.clone().unwrap_or_default()) }
                                td class="nhsuk-table__cell" { (row.justification.clone().unwrap_or_else(|| "None given".into())) }
                                td class="nhsuk-table__cell" { (row.mitigation.clone().unwrap_or_else(|| "None given".into())) }
                            }
                        }
                    }
                }))
            }
            p class="nhsuk-body" {
                a href=(format!("/products/{product_id}/workbook")) { "Download the SCAL as an Excel workbook (.xlsx)" }
            }
            @if can_answer {
                h3 class="nhsuk-heading-m" { "Upload a completed workbook" }
                (answers_upload_form(session, product_id))
            }
        }
        @if can_issue && !options.is_empty() {
            h3 class="nhsuk-heading-m" { "Issue template sheets" }
            form method="post" action=(format!("/products/{product_id}/scal/issue")) novalidate {
                (csrf(&session.csrf_token))
                (select("template_id", "Template", &option_refs, "", &[], Some("Its latest published version; sheets the SCAL already has are kept")))
                (button("Issue"))
            }
        }
    })
}

pub async fn workbook(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    match scal_app::scals::workbook(&state.app, &session.actor, &id, state.now()).await {
        Ok(workbook) => Ok(crate::xlsx_download(workbook)),
        Err(AppError::Invalid(_)) => Err(PageError::not_found()),
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    template_id: String,
}

pub async fn issue(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<IssueForm>,
) -> PageResult {
    match scal_app::scals::issue(&state.app, &session.actor, &id, &form.template_id, None, state.now()).await {
        Ok(_) => Ok(done(&state, &format!("/products/{id}"), Notice::ScalIssued)),
        Err(AppError::Invalid(invalid)) => Err(PageError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "This template cannot be issued",
            invalid.0.first().map(|e| e.message.clone()).unwrap_or_default(),
        )),
        Err(AppError::NotFound) if form.template_id.trim().is_empty() => Err(PageError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "Choose a template",
            "Go back and choose a template to issue.",
        )),
        Err(other) => Err(other.into()),
    }
}

/// Authorises before reading the upload.
/// The form that uploads a completed workbook: on the product page, the SCAL page beside the
/// download, and again on the page that lists why an upload was refused.
pub(crate) fn answers_upload_form(session: &CurrentSession, product_id: &str) -> Markup {
    html! {
        p class="nhsuk-body" { "Answers are matched by requirement ID. If anything in the file is invalid, nothing is changed and every problem is listed." }
        form method="post" action=(format!("/products/{product_id}/answers")) enctype="multipart/form-data" novalidate {
            // First, so it is checked before the file is read (see `session`).
            (csrf(&session.csrf_token))
            div class="nhsuk-form-group" {
                label class="nhsuk-label" for="file" { "Completed workbook" }
                input class="nhsuk-file-upload" id="file" name="file" type="file" accept=".xlsx";
            }
            (checkbox("overwrite", "Also replace answers changed here since I downloaded the workbook", false, &[]))
            (button("Upload answers"))
        }
    }
}

pub async fn upload_answers(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> PageResult {
    let product = scal_app::products::get(&state.app, &session.actor, &id).await?;
    authorize(&session.actor, Action::AnswerScal, Some(&product.org_id)).map_err(AppError::from)?;
    let mut multipart = super::read_upload(request, &state).await?;
    let unreadable = super::unreadable_upload;
    let mut upload = AnswersUpload::default();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "file" => {
                upload.file_name = field.file_name().unwrap_or("answers.xlsx").to_string();
                upload.bytes = field.bytes().await.map_err(unreadable)?;
            }
            "overwrite" => upload.overwrite = field.text().await.map_err(unreadable)? == "true",
            _ => {}
        }
    }
    let back = format!("/products/{id}");
    let (status, content) = match scal_app::scals::import_answers(
        &state.app,
        &session.actor,
        &id,
        &upload,
        state.upload_limits(),
        state.now(),
    )
    .await
    {
        Ok(report) => (
            axum::http::StatusCode::OK,
            html! {
                div class="nhsuk-panel" {
                    h1 class="nhsuk-panel__heading" { "Answers uploaded" }
                    div class="nhsuk-panel__body" { (report.applied) " answers changed, " (report.unchanged) " unchanged" }
                }
                @if !report.applied_rows.is_empty() {
                    details class="nhsuk-details" {
                        summary class="nhsuk-details__summary" {
                            span class="nhsuk-details__summary-text" { "The " (report.applied_rows.len()) " answers changed" }
                        }
                        div class="nhsuk-details__text" {
                            ul class="nhsuk-list" {
                                @for r in &report.applied_rows { li { (r.sheet) ", row " (r.row) ", " code { (r.requirement_id) } } }
                            }
                        }
                    }
                }
                @if !report.warnings.is_empty() {
                    h2 class="nhsuk-heading-l" { "The workbook differs from the one downloaded" }
                    ul class="nhsuk-list nhsuk-list--bullet" {
                        @for w in &report.warnings {
                            li { (w.sheet) @if w.row > 0 { ", row " (w.row) } @if !w.requirement_id.is_empty() { ", " code { (w.requirement_id) } } ": " (w.message) }
                        }
                    }
                }
                @if !report.conflicts.is_empty() {
                    h2 class="nhsuk-heading-l" { (report.conflicts.len()) " answers were not changed" }
                    p class="nhsuk-body" { "They were changed here after you downloaded the workbook. Upload again with \u{201c}also replace\u{201d} ticked to use yours." }
                    ul class="nhsuk-list nhsuk-list--bullet" {
                        @for c in &report.conflicts {
                            li { (c.sheet) ", row " (c.row) ", " code { (c.requirement_id) } ": changed by " (c.changed_by) " on " (c.changed_at.parse::<jiff::Timestamp>().map_or_else(|_| c.changed_at.clone(), |t| date_time(t.as_microsecond()))) }
                        }
                    }
                }
                p class="nhsuk-body" { a href=(back) { "Back to the product" } }
            },
        ),
        Err(AppError::Invalid(invalid)) => (
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            html! {
                div class="nhsuk-error-summary" tabindex="-1" autofocus {
                    div role="alert" {
                        h2 class="nhsuk-error-summary__heading" { "The workbook was not applied" }
                        div class="nhsuk-error-summary__body" {
                            p { "Nothing was changed. Correct these and upload it again:" }
                            ul class="nhsuk-list nhsuk-error-summary__list" {
                                @for e in &invalid.0 { li { a href="#file" { (e.message) } } }
                            }
                        }
                    }
                }
                span class="nhsuk-caption-l" { (product.details.title()) }
                h1 class="nhsuk-heading-xl" { "Upload your answers" }
                (answers_upload_form(&session, &id))
                p class="nhsuk-body" { a href=(back) { "Back to the product" } }
            },
        ),
        Err(other) => return Err(other.into()),
    };
    let has_errors = status != axum::http::StatusCode::OK;
    Ok((
        status,
        page(
            "Upload answers",
            &Chrome::signed_in(&session, Nav::Products),
            has_errors,
            content,
        ),
    )
        .into_response())
}
