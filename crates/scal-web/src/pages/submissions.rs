//! Submitted SCAL rounds (NHS England's review queue, a supplier's own rounds) and the signed-in
//! user's notifications.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::submissions::SubmissionView;
use scal_domain::policy::{authorize, Action};
use scal_domain::FieldError;
use serde::Deserialize;

use super::layout::{
    back_link, button, csrf, data_table, date_time, error_summary, page, summary_list, tag, textarea, Caption, Chrome,
    Nav,
};
use super::{done, form_page, FormOutcome};
use crate::extract::PageForm;
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

fn status_tag(status: &str) -> Markup {
    match status {
        "submitted" => tag("Waiting for review", "blue"),
        "returned" => tag("Returned for changes", "orange"),
        other => tag(other, "grey"),
    }
}

fn short(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

fn product_name(view: &SubmissionView) -> String {
    view.product.details.title()
}

pub async fn list(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    let mut submissions = scal_app::submissions::list(&state.app, &session.actor, None).await?;
    // Waiting for review first, oldest first within each.
    submissions.sort_by_key(|s| s.submission.status != "submitted");
    let content = html! {
        h1 class="nhsuk-heading-xl" { "Submissions" }
        @if submissions.is_empty() {
            p class="nhsuk-body" { "No SCAL has been submitted." }
        } @else {
            (data_table("Submitted SCALs", Caption::Hidden, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "Product" }
                        th class="nhsuk-table__header" scope="col" { "Round" }
                        th class="nhsuk-table__header" scope="col" { "Submitted" }
                        th class="nhsuk-table__header" scope="col" { "SHA-256" }
                        th class="nhsuk-table__header" scope="col" { "Status" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for view in &submissions {
                        @let s = &view.submission;
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { a href=(format!("/submissions/{}", s.id)) { (product_name(view)) } }
                            td class="nhsuk-table__cell" { (s.round) }
                            td class="nhsuk-table__cell" { (s.submitted_by) br; (date_time(s.submitted_at)) }
                            td class="nhsuk-table__cell" { code { (short(&s.sha256)) } }
                            td class="nhsuk-table__cell" { (status_tag(&s.status)) }
                        }
                    }
                }
            }))
        }
    };
    Ok(page(
        "Submissions",
        &Chrome::signed_in(&session, Nav::Submissions),
        false,
        content,
    )
    .into_response())
}

/// Counts from the submitted snapshot: per sheet, requirements answered, red and amber.
fn snapshot_summary(snapshot: &str) -> Vec<(String, usize, usize, usize, usize)> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(snapshot) else {
        return Vec::new();
    };
    let empty = Vec::new();
    value["sheets"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|sheet| {
            let rows = sheet["requirements"].as_array().unwrap_or(&empty);
            let count = |rag: &str| rows.iter().filter(|r| r["rag"] == rag).count();
            let answered = rows.iter().filter(|r| !r["answer"].is_null()).count();
            (
                sheet["name"].as_str().unwrap_or_default().to_string(),
                answered,
                rows.len(),
                count("red"),
                count("amber"),
            )
        })
        .collect()
}

fn submission_page(session: &CurrentSession, view: &SubmissionView, reason: &str, errors: &[FieldError]) -> Markup {
    let s = &view.submission;
    let can_return = s.status == "submitted"
        && authorize(&session.actor, Action::ReviewSubmission, Some(&view.product.org_id)).is_ok();
    let name = product_name(view);
    let sheets = snapshot_summary(&s.snapshot);
    let content = html! {
        (back_link("/submissions", "Back to submissions"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { "Round " (s.round) }
        h1 class="nhsuk-heading-xl" { (name) }
        (summary_list(&[
            ("Product", html! { a href=(format!("/products/{}", view.product.id)) { (name) } }, None),
            ("SCAL", html! { a href=(format!("/scals/{}", s.scal_id)) { "View the SCAL" } }, None),
            ("Round", html! { (s.round) }, None),
            ("Status", status_tag(&s.status), None),
            ("Submitted", html! { (s.submitted_by) " on " (date_time(s.submitted_at)) }, None),
            ("SHA-256", html! { code { (s.sha256) } }, None),
        ]))
        @if let (Some(by), Some(at)) = (&s.returned_by, s.returned_at) {
            h2 class="nhsuk-heading-m" { "Returned for changes" }
            p class="nhsuk-body" { "By " (by) " on " (date_time(at)) }
            @if let Some(reason) = &s.return_reason { p class="nhsuk-body scal-pre-line" { (reason) } }
        }
        @if !sheets.is_empty() {
            (data_table("What was submitted", Caption::Shown, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "Sheet" }
                        th class="nhsuk-table__header" scope="col" { "Answered" }
                        th class="nhsuk-table__header" scope="col" { "Red" }
                        th class="nhsuk-table__header" scope="col" { "Amber" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for (sheet, answered, total, red, amber) in &sheets {
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { (sheet) }
                            td class="nhsuk-table__cell" { (answered) " of " (total) }
                            td class="nhsuk-table__cell" { (red) }
                            td class="nhsuk-table__cell" { (amber) }
                        }
                    }
                }
            }))
        }
        @if can_return {
            h2 class="nhsuk-heading-l" { "Return for changes" }
            form method="post" action=(format!("/submissions/{}/return", s.id)) novalidate {
                (csrf(&session.csrf_token))
                (textarea("reason", "What the supplier needs to change", reason, errors,
                    Some("The supplier sees this and is told by email")))
                (button("Return for changes"))
            }
        }
    };
    page(
        &format!("Round {} of {name}", s.round),
        &Chrome::signed_in(session, Nav::Submissions),
        !errors.is_empty(),
        content,
    )
}

pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let view = scal_app::submissions::get(&state.app, &session.actor, &id).await?;
    Ok(submission_page(&session, &view, "", &[]).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    reason: String,
}

pub async fn return_for_changes(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<ReturnForm>,
) -> PageResult {
    match scal_app::submissions::return_for_changes(&state.app, &session.actor, &id, &form.reason, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(&state, &format!("/submissions/{id}"), Notice::SubmissionReturned)),
        Err(FormOutcome::Errors(errors)) => {
            let view = scal_app::submissions::get(&state.app, &session.actor, &id).await?;
            Ok(form_page(
                submission_page(&session, &view, &form.reason, &errors),
                &errors,
            ))
        }
        Err(FormOutcome::Failed(error)) if error.status == axum::http::StatusCode::CONFLICT => Err(PageError::new(
            error.status,
            "This round has already been returned",
            error.message,
        )),
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

pub async fn notifications(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    let notifications = scal_app::notifications::list(&state.app, &session.actor).await?;
    let unread = notifications.iter().filter(|n| n.read_at.is_none()).count();
    let content = html! {
        h1 class="nhsuk-heading-xl" { "Notifications" }
        @if notifications.is_empty() {
            p class="nhsuk-body" { "You have no notifications." }
        } @else {
            p class="nhsuk-body" { (unread) " unread" }
            @if unread > 0 {
                form method="post" action="/notifications/read" novalidate {
                    (csrf(&session.csrf_token))
                    button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Mark all as read" }
                }
            }
            ul class="nhsuk-list nhsuk-list--border" {
                @for n in &notifications {
                    li {
                        @if n.read_at.is_none() { (tag("Unread", "blue")) " " }
                        a href=(n.link) { (n.message) }
                        br;
                        span class="nhsuk-hint nhsuk-u-font-size-16" { (date_time(n.at)) }
                    }
                }
            }
        }
    };
    Ok(page(
        "Notifications",
        &Chrome::signed_in(&session, Nav::Notifications),
        false,
        content,
    )
    .into_response())
}

pub async fn mark_read(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    scal_app::notifications::mark_read(&state.app, &session.actor, state.now()).await?;
    Ok(done(&state, "/notifications", Notice::NotificationsRead))
}
