//! Submitted SCAL rounds (NHS England's review queue, a supplier's own rounds) and the signed-in
//! user's notifications.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::submissions::SubmissionView;
use scal_app::AppError;
use scal_domain::policy::{authorize, Action};
use scal_domain::snapshot::{Snapshot, SnapshotRow};
use scal_domain::template::Rag;
use scal_domain::FieldError;
use serde::Deserialize;

use super::layout::{
    back_link, csrf, data_table, date_time, error_summary, page, plural, select, summary_list, tag, Caption, Chrome,
    Nav,
};
use super::scals::rag_tag;
use super::{done, form_page, see_other};
use crate::extract::PageForm;
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

fn status_tag(status: &str) -> Markup {
    match scal_domain::review::RoundStatus::parse(status) {
        Some(scal_domain::review::RoundStatus::Submitted) => tag("Waiting for review", "blue"),
        Some(scal_domain::review::RoundStatus::Returned) => tag("Returned for changes", "orange"),
        Some(scal_domain::review::RoundStatus::Accepted) => tag("Accepted", "green"),
        Some(scal_domain::review::RoundStatus::Withdrawn) => tag("Withdrawn", "grey"),
        None => tag(status, "grey"),
    }
}

/// "7 December 2026".
fn long_date(date: time::Date) -> String {
    let format = time::macros::format_description!("[day padding:none] [month repr:long] [year]");
    date.format(&format).unwrap_or_default()
}

fn product_name(view: &SubmissionView) -> String {
    view.product.details.title()
}

/// A round's stored snapshot read as the domain's `Snapshot` (`None`: missing or unreadable, shown
/// as no counts rather than failing the page).
fn read_snapshot(json: &str) -> Option<Snapshot> {
    Snapshot::from_json(json).ok()
}

/// The red and amber items of a submitted snapshot, with their sheet's name.
fn snapshot_flagged(snapshot: Option<&Snapshot>) -> Vec<(&str, &SnapshotRow)> {
    snapshot
        .map(|s| s.sheets.as_slice())
        .unwrap_or_default()
        .iter()
        .flat_map(|sheet| {
            sheet
                .requirements
                .iter()
                .filter(|r| matches!(r.rag, Rag::Red | Rag::Amber))
                .map(move |r| (sheet.name.as_str(), r))
        })
        .collect()
}

/// The services a snapshot covers, by code.
fn snapshot_services(snapshot: Option<&Snapshot>) -> Vec<String> {
    snapshot.map_or_else(Vec::new, |s| s.cases.iter().map(|c| c.service.clone()).collect())
}

/// The queue's filters.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    /// `submitted` (waiting for review) or `returned`; all when absent.
    #[serde(default)]
    state: Option<String>,
    /// `me` (mine), `none` (nobody's yet); anyone's when absent.
    #[serde(default)]
    reviewer: Option<String>,
    /// A service code.
    #[serde(default)]
    service: Option<String>,
    /// The page of the list, from 1.
    #[serde(default)]
    page: Option<String>,
}

/// Rounds on one page of the queue: the page reads only its own rounds' snapshots.
const QUEUE_PAGE: usize = 50;

pub async fn list(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    crate::extract::PageQuery(query): crate::extract::PageQuery<QueueQuery>,
) -> PageResult {
    let only = query
        .state
        .as_deref()
        .filter(|s| scal_domain::review::RoundStatus::parse(s).is_some());
    let mut submissions = scal_app::submissions::list(&state.app, &session.actor, only).await?;
    let me = session.actor.user_id().unwrap_or_default().to_string();
    // Everyone who has a review, for the reviewer filter (before filtering by it).
    let mut reviewers: Vec<(String, String)> = submissions.iter().filter_map(|s| s.reviewer.clone()).collect();
    reviewers.sort_by(|a, b| a.1.cmp(&b.1));
    reviewers.dedup();
    submissions.retain(|s| match query.reviewer.as_deref().filter(|r| !r.is_empty()) {
        Some("me") => s.reviewer.as_ref().is_some_and(|(id, _)| *id == me),
        Some("none") => s.reviewer.is_none(),
        Some(someone) => s.reviewer.as_ref().is_some_and(|(id, _)| id == someone),
        None => true,
    });
    let services = scal_app::services::list(&state.app, &session.actor).await?;
    // Waiting for review first, soonest due first; then the rest, oldest first.
    submissions.sort_by_key(|s| (s.submission.status != "submitted", s.due, s.submission.submitted_at));
    let today = state.now().date();
    // The service filter reads which services each round's SCAL is assured for (one query for
    // the whole list), so only the shown page's snapshots are ever read.
    if let Some(code) = query.service.as_deref().filter(|c| !c.is_empty()) {
        let services = scal_app::submissions::services_by_scal(&state.app, &submissions).await?;
        submissions.retain(|s| {
            services
                .get(&s.submission.scal_id)
                .is_some_and(|codes| codes.iter().any(|c| c == code))
        });
    }
    let total = submissions.len();
    let pages = total.div_ceil(QUEUE_PAGE).max(1);
    let page_number = query
        .page
        .as_deref()
        .and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    let first = (page_number - 1) * QUEUE_PAGE;
    let submissions: Vec<SubmissionView> = submissions.into_iter().skip(first).take(QUEUE_PAGE).collect();
    // Each row's supplier, services and red and amber counts (from what was submitted).
    // Snapshots in one query and organisations once each, not a query per row.
    let snapshots = scal_app::submissions::snapshots(&state.app, &submissions).await?;
    let suppliers: std::collections::HashMap<String, String> =
        scal_app::organisations::list(&state.app, &session.actor)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
    let mut rows = Vec::new();
    for view in &submissions {
        let snapshot = snapshots.get(&view.submission.id).and_then(|json| read_snapshot(json));
        let snapshot = snapshot.as_ref();
        let supplier = suppliers.get(&view.product.org_id).cloned().unwrap_or_default();
        let sheets = snapshot_summary(snapshot);
        let red: usize = sheets.iter().map(|s| s.3).sum();
        let amber: usize = sheets.iter().map(|s| s.4).sum();
        let covered = snapshot_services(snapshot);
        rows.push((view, supplier, covered, red, amber));
    }
    let filter = |label: &str, href: &str| html! { li { a href=(href) { (label) } } };
    // Another page of the same filters.
    let page_href = |n: usize| {
        let mut href = format!("/submissions?page={n}");
        for (name, value) in [
            ("state", query.state.as_deref()),
            ("reviewer", query.reviewer.as_deref()),
            ("service", query.service.as_deref()),
        ] {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                href.push_str(&format!("&{name}={}", urlencoding::encode(value)));
            }
        }
        href
    };
    let state_options = [
        ("", "Any state"),
        ("submitted", "Waiting for review"),
        ("returned", "Returned"),
        ("accepted", "Accepted"),
        ("withdrawn", "Withdrawn"),
    ];
    let mut reviewer_options: Vec<(String, String)> = vec![
        (String::new(), "Anyone".into()),
        ("me".into(), "Me".into()),
        ("none".into(), "Nobody yet".into()),
    ];
    reviewer_options.extend(reviewers);
    let reviewer_refs: Vec<(&str, &str)> = reviewer_options.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let mut service_options: Vec<(String, String)> = vec![(String::new(), "Any service".into())];
    service_options.extend(services.iter().map(|s| (s.code.as_str().to_string(), s.name.clone())));
    let service_refs: Vec<(&str, &str)> = service_options.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let content = html! {
        h1 class="nhsuk-heading-xl" { "Submissions" }
        nav class="scal-filters" aria-label="Filter the submissions" {
            ul class="nhsuk-list scal-filters__list" {
                (filter("All", "/submissions"))
                (filter("Waiting for review", "/submissions?state=submitted"))
                (filter("Mine", "/submissions?state=submitted&reviewer=me"))
                (filter("Nobody's yet", "/submissions?state=submitted&reviewer=none"))
                (filter("Returned", "/submissions?state=returned"))
            }
        }
        // Any combination, without JavaScript: a GET form.
        details class="nhsuk-details" open[query.service.is_some() || query.reviewer.as_deref().is_some_and(|r| !matches!(r, "" | "me" | "none"))] {
            summary class="nhsuk-details__summary" { span class="nhsuk-details__summary-text" { "Filter by state, reviewer and service" } }
            div class="nhsuk-details__text" {
                form method="get" action="/submissions" {
                    (select("state", "State", &state_options, query.state.as_deref().unwrap_or(""), &[], None))
                    (select("reviewer", "Reviewer", &reviewer_refs, query.reviewer.as_deref().unwrap_or(""), &[], None))
                    (select("service", "Service", &service_refs, query.service.as_deref().unwrap_or(""), &[], None))
                    button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Filter" }
                }
            }
        }
        @if rows.is_empty() {
            p class="nhsuk-body" { "No submission matches." }
        } @else {
            (data_table("Submitted SCALs", Caption::Hidden, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "Supplier and product" }
                        th class="nhsuk-table__header" scope="col" { "Services" }
                        th class="nhsuk-table__header" scope="col" { "Round" }
                        th class="nhsuk-table__header" scope="col" { "Red" }
                        th class="nhsuk-table__header" scope="col" { "Amber" }
                        th class="nhsuk-table__header" scope="col" { "Submitted" }
                        th class="nhsuk-table__header" scope="col" { "Response due" }
                        th class="nhsuk-table__header" scope="col" { "Reviewer" }
                        th class="nhsuk-table__header" scope="col" { "Status" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for (view, supplier, services, red, amber) in &rows {
                        @let s = &view.submission;
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" { (supplier) br; a href=(format!("/submissions/{}", s.id)) { (product_name(view)) } }
                            td class="nhsuk-table__cell" { (services.join(", ")) }
                            td class="nhsuk-table__cell" { (s.round) }
                            td class="nhsuk-table__cell" { (red) }
                            td class="nhsuk-table__cell" { (amber) }
                            td class="nhsuk-table__cell" { (s.submitted_by) br; (date_time(s.submitted_at)) }
                            td class="nhsuk-table__cell" {
                                @if s.status == "submitted" {
                                    (long_date(view.due))
                                    @if view.overdue(today) { br; (tag("Overdue", "red")) }
                                }
                            }
                            td class="nhsuk-table__cell" {
                                @match &view.reviewer { Some((_, name)) => { (name) } None => { "Nobody yet" } }
                            }
                            td class="nhsuk-table__cell" { (status_tag(&s.status)) }
                        }
                    }
                }
            }))
            @if pages > 1 {
                p class="nhsuk-body" {
                    "Showing " (first + 1) " to " (first + rows.len()) " of " (total) " submissions"
                }
                nav class="nhsuk-pagination" role="navigation" aria-label="Pages of submissions" {
                    ul class="nhsuk-list nhsuk-pagination__list" {
                        @if page_number > 1 {
                            li class="nhsuk-pagination-item--previous" {
                                a class="nhsuk-pagination__link nhsuk-pagination__link--prev" href=(page_href(page_number - 1)) {
                                    span class="nhsuk-pagination__title" { "Previous" }
                                    span class="nhsuk-u-visually-hidden" { ":" }
                                    span class="nhsuk-pagination__page" { "Page " (page_number - 1) " of " (pages) }
                                }
                            }
                        }
                        @if page_number < pages {
                            li class="nhsuk-pagination-item--next" {
                                a class="nhsuk-pagination__link nhsuk-pagination__link--next" href=(page_href(page_number + 1)) {
                                    span class="nhsuk-pagination__title" { "Next" }
                                    span class="nhsuk-u-visually-hidden" { ":" }
                                    span class="nhsuk-pagination__page" { "Page " (page_number + 1) " of " (pages) }
                                }
                            }
                        }
                    }
                }
            }
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
fn snapshot_summary(snapshot: Option<&Snapshot>) -> Vec<(String, usize, usize, usize, usize)> {
    snapshot
        .map(|s| s.sheets.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|sheet| {
            let rows = &sheet.requirements;
            let count = |rag: Rag| rows.iter().filter(|r| r.rag == rag).count();
            let answered = rows.iter().filter(|r| r.answer.is_some()).count();
            (
                sheet.name.clone(),
                answered,
                rows.len(),
                count(Rag::Red),
                count(Rag::Amber),
            )
        })
        .collect()
}

/// What the round page shows of its review: its items and verdicts, and where a supplier
/// answers each item (sheet name to the SCAL sheet's ID).
pub(crate) struct RoundPageReview {
    pub review: scal_app::review::RoundReview,
    pub sheet_ids: std::collections::HashMap<String, String>,
}

fn submission_page(
    session: &CurrentSession,
    view: &SubmissionView,
    errors: &[FieldError],
    today: time::Date,
    choices: &[(scal_store::UserRecord, bool)],
    review: Option<&RoundPageReview>,
) -> Markup {
    let s = &view.submission;
    let me = session.actor.user_id().unwrap_or_default();
    let admin = session.actor.role() == Some(scal_domain::user::Role::NhseAdmin);
    let mine = view.reviewer.as_ref().is_some_and(|(id, _)| id == me);
    let status = s.round_status();
    let pending = status == scal_domain::review::RoundStatus::Submitted;
    let nhse = authorize(&session.actor, Action::ReviewSubmission, Some(&view.product.org_id)).is_ok();
    let supplier = authorize(&session.actor, Action::AnswerScal, Some(&view.product.org_id)).is_ok();
    let name = product_name(view);
    let snapshot = read_snapshot(&s.snapshot);
    let sheets = snapshot_summary(snapshot.as_ref());
    let flagged = snapshot_flagged(snapshot.as_ref());
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
            ("Response due", html! {
                (long_date(view.due))
                @if view.overdue(today) { " " (tag("Overdue", "red")) }
            }, None),
            ("Reviewer", html! {
                @match &view.reviewer { Some((_, name)) => { (name) } None => { "Nobody has taken it yet" } }
            }, None),
            ("SHA-256", html! { code { (s.sha256) } }, None),
        ]))
        @if s.round > 1 {
            p class="nhsuk-body" { a href=(format!("/submissions/{}/changes", s.id)) { "What changed since round " (s.round - 1) } }
        }
        @if authorize(&session.actor, Action::ReviewSubmission, Some(&view.product.org_id)).is_ok() { p class="nhsuk-body" { a href=(format!("/submissions/{}/offline", s.id)) { "Review offline in a workbook" } } }
        @if s.status == "submitted" && !choices.is_empty() {
            @if !mine {
                form method="post" action=(format!("/submissions/{}/reviewer", s.id)) novalidate {
                    (csrf(&session.csrf_token))
                    input type="hidden" name="reviewer_id" value=(me);
                    button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Take this review" }
                }
            }
            @if admin {
                @let options: Vec<(String, String)> = choices.iter().map(|(u, theirs)| {
                    (u.id.clone(), if *theirs { format!("{} (reviews this service)", u.name) } else { u.name.clone() })
                }).collect();
                @let refs: Vec<(&str, &str)> = [("", "Choose a reviewer")].into_iter()
                    .chain(options.iter().map(|(id, label)| (id.as_str(), label.as_str()))).collect();
                form method="post" action=(format!("/submissions/{}/reviewer", s.id)) novalidate {
                    (csrf(&session.csrf_token))
                    (select("reviewer_id", "Give this review to", &refs, view.reviewer.as_ref().map_or("", |(id, _)| id.as_str()), errors, None))
                    button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Give the review" }
                }
            }
        }
        @if let (Some(by), Some(at)) = (&s.decided_by, s.decided_at) {
            h2 class="nhsuk-heading-m" { (status.label()) }
            p class="nhsuk-body" { "By " (by) " on " (date_time(at)) }
            @if let Some(reason) = &s.summary { p class="nhsuk-body scal-pre-line" { (reason) } }
        }
        @if let Some(r) = review {
            @if nhse && pending {
                h2 class="nhsuk-heading-l" { "Review" }
                p class="nhsuk-body" {
                    (plural(r.review.items.len() - r.review.unreviewed(), "item", "items")) " of "
                    (r.review.items.len()) " reviewed"
                    @if let Some(changed) = &r.review.changed { "; " (plural(changed.len(), "item", "items")) " changed since round " (s.round - 1) }
                    "."
                }
                @if r.review.changed.is_some() {
                    a class="nhsuk-button" href=(format!("/submissions/{}/items?show=changed", s.id)) { "Review what changed" }
                    " "
                }
                a class={ "nhsuk-button" @if r.review.changed.is_some() { " nhsuk-button--secondary" } }
                    href=(format!("/submissions/{}/items", s.id)) { "Review the items" }
                " "
                a class="nhsuk-button nhsuk-button--secondary" href=(format!("/submissions/{}/decide", s.id)) { "Check and decide" }
            } @else if matches!(status, scal_domain::review::RoundStatus::Returned | scal_domain::review::RoundStatus::Accepted) {
                @let asks = r.review.asks();
                @if !asks.is_empty() {
                    h2 class="nhsuk-heading-l" { "What NHS England asks about" }
                    ul class="nhsuk-list nhsuk-list--bullet" {
                        @for (item, verdict) in &asks {
                            li {
                                @match r.sheet_ids.get(&item.sheet).filter(|_| supplier) {
                                    Some(sheet_id) => {
                                        a href=(format!("/scals/{}/sheets/{sheet_id}/requirements/{}", s.scal_id, urlencoding::encode(&item.id))) { (item.id) }
                                    }
                                    None => { (item.id) }
                                }
                                " (" (item.sheet) "): " (super::review::verdict_tag(Some(verdict.review.verdict)))
                                @if let Some(c) = &verdict.review.comment { " " span class="scal-pre-line" { (c) } }
                            }
                        }
                    }
                }
                @let conditions: Vec<(&scal_app::review::RoundItem, &scal_domain::review::Condition)> = r.review.items.iter()
                    .filter_map(|i| r.review.verdict(&i.key()).map(|v| (i, v)))
                    .flat_map(|(i, v)| v.review.conditions.iter().map(move |c| (i, c)))
                    .collect();
                @if status == scal_domain::review::RoundStatus::Accepted && !conditions.is_empty() {
                    h2 class="nhsuk-heading-l" { "Conditions" }
                    p class="nhsuk-body" { "Red items agreed on these conditions. They go on the certificate." }
                    ul class="nhsuk-list nhsuk-list--bullet" {
                        @for (item, c) in &conditions { li { (item.id) ": " (c.text) ", due " (long_date(c.due)) } }
                    }
                }
                a class="nhsuk-link" href=(format!("/submissions/{}/items", s.id)) { "See every item and its verdict" }
            }
        }
        @if supplier && pending {
            p class="nhsuk-body" {
                a href=(format!("/submissions/{}/withdraw", s.id)) { "Withdraw this round" }
                " to change the SCAL before NHS England decides."
            }
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
        @if !flagged.is_empty() {
            (data_table("Red and amber items", Caption::Shown, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "Requirement" }
                        th class="nhsuk-table__header" scope="col" { "Answer" }
                        th class="nhsuk-table__header" scope="col" { "Justification" }
                        th class="nhsuk-table__header" scope="col" { "Mitigation and target date" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for (sheet, r) in &flagged {
                        @let given = |v: &Option<String>| v.as_deref().filter(|t| !t.is_empty()).map(str::to_string);
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" {
                                code { (r.id) } " " (rag_tag(r.rag))
                                br; span class="nhsuk-hint" { (sheet) ", " (r.level.label().to_uppercase()) }
                            }
                            td class="nhsuk-table__cell" { (r.answer.as_deref().unwrap_or_default()) }
                            td class="nhsuk-table__cell scal-pre-line" { (given(&r.justification).unwrap_or_else(|| "None given".into())) }
                            td class="nhsuk-table__cell scal-pre-line" {
                                (given(&r.mitigation).unwrap_or_else(|| "None given".into()))
                                @if let Some(target) = given(&r.target_date) { br; "By " (target) }
                            }
                        }
                    }
                }
            }))
        }
    };
    page(
        &format!("Round {} of {name}", s.round),
        &Chrome::signed_in(session, Nav::Submissions),
        !errors.is_empty(),
        content,
    )
}

/// The round's review and where each of its sheets is answered.
async fn round_review(state: &AppState, session: &CurrentSession, id: &str) -> Result<RoundPageReview, PageError> {
    let review = scal_app::review::get(&state.app, &session.actor, id, state.now().date()).await?;
    let scal = scal_app::scals::view_scal(&state.app, &session.actor, &review.round.submission.scal_id).await?;
    Ok(RoundPageReview {
        review,
        sheet_ids: scal.sheets.into_iter().map(|s| (s.name, s.id)).collect(),
    })
}

pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let view = scal_app::submissions::get(&state.app, &session.actor, &id).await?;
    let choices = scal_app::submissions::reviewer_choices(&state.app, &session.actor, &view)
        .await
        .unwrap_or_default();
    let review = round_review(&state, &session, &id).await?;
    Ok(submission_page(&session, &view, &[], state.now().date(), &choices, Some(&review)).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ReviewerForm {
    #[serde(default)]
    reviewer_id: String,
}

/// Takes a review, or (an administrator) gives it to someone.
pub async fn assign_reviewer(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<ReviewerForm>,
) -> PageResult {
    match scal_app::submissions::assign(&state.app, &session.actor, &id, &form.reviewer_id, state.now()).await {
        Ok(_) => Ok(done(&state, &format!("/submissions/{id}"), Notice::ReviewAssigned)),
        Err(AppError::Invalid(invalid)) => {
            let view = scal_app::submissions::get(&state.app, &session.actor, &id).await?;
            let choices = scal_app::submissions::reviewer_choices(&state.app, &session.actor, &view).await?;
            let review = round_review(&state, &session, &id).await?;
            Ok(form_page(
                submission_page(&session, &view, &invalid.0, state.now().date(), &choices, Some(&review)),
                &invalid.0,
            ))
        }
        Err(other) => Err(other.into()),
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
                        a href=(format!("/notifications/{}", n.id)) { (n.message) }
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

/// Opens a notification: marks it read and goes to the item it is about.
pub async fn open_notification(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let link = scal_app::notifications::open(&state.app, &session.actor, &id, state.now()).await?;
    // Links are written by scal itself; anything not a local path goes to the list instead.
    let to = if link.starts_with('/') && !link.starts_with("//") {
        link
    } else {
        "/notifications".into()
    };
    Ok(see_other(&to))
}

pub async fn mark_read(State(state): State<AppState>, PageActor(session): PageActor) -> PageResult {
    scal_app::notifications::mark_read(&state.app, &session.actor, state.now()).await?;
    Ok(done(&state, "/notifications", Notice::NotificationsRead))
}
