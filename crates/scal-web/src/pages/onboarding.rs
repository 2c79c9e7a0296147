//! The supplier onboarding journey on one SCAL: its overview with a task list of the ten steps per
//! service, its sheets, one requirement's answer form, the use case and information confirmations,
//! and "check your answers" before submitting.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::cases::CaseView;
use scal_app::scals::{AnswerInput, RequirementView, ScalView, SheetView};
use scal_app::AppError;
use scal_domain::onboarding::{Blocker, BlockerAt, CheckOutcome, Step, StepState, StepStatus};
use scal_domain::policy::{authorize, Action};
use scal_domain::status::ScalStatus;
use scal_domain::template::{AnswerKind, SheetKind};
use scal_domain::FieldError;
use scal_store::records::evidence::EvidenceRecord;
use serde::Deserialize;

use super::layout::{
    back_link, button, csrf, data_table, date_time, error_summary, inset, page, plural, radios, select, summary_list,
    tag, text_input, textarea, Caption, Chrome, InputOptions, Nav,
};
use super::scals::rag_tag;
use super::{done, form_page, see_other, FormOutcome};
use crate::extract::PageForm;
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

/// A refusal to change a SCAL that is with NHS England (409), said plainly; other errors as usual.
pub(crate) fn refusal(error: AppError) -> PageError {
    match error {
        AppError::Conflict(message) => PageError::new(StatusCode::CONFLICT, "This cannot be changed now", message),
        other => other.into(),
    }
}

/// Whether the signed-in user may change this SCAL now: a supplier of its organisation, and not
/// while a round is with NHS England.
pub(crate) fn editable(session: &CurrentSession, view: &ScalView) -> bool {
    authorize(&session.actor, Action::AnswerScal, Some(&view.product.org_id)).is_ok() && !view.locked()
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

pub(crate) fn product_name(view: &ScalView) -> String {
    view.product.details.title()
}

pub(crate) fn progress(summary: &scal_app::scals::RagSummary) -> String {
    format!(
        "{} of {} answered, {} red, {} amber",
        summary.answered(),
        summary.total(),
        summary.red,
        summary.amber
    )
}

/// A SCAL's status as a tag: the domain's one derivation, the same words and colour on every page.
pub(crate) fn scal_status_tag(status: &ScalStatus) -> Markup {
    let colour = match status {
        ScalStatus::InProgress => "white",
        ScalStatus::ReadyToSubmit => "green",
        ScalStatus::WithNhsEngland { .. } => "blue",
        ScalStatus::Returned { .. } => "orange",
        ScalStatus::Accepted { .. } => "green",
        ScalStatus::Live { .. } => "purple",
        ScalStatus::Reopened { .. } => "orange",
    };
    tag(&status.label(), colour)
}

fn status(view: &ScalView, cases: &[CaseView]) -> Markup {
    let status = scal_app::cases::status(view, cases);
    html! {
        (scal_status_tag(&status))
        @match (&status, view.rounds.last()) {
            (ScalStatus::WithNhsEngland { .. }, Some(round)) => {
                " Submitted by " (round.submitted_by) " on " (date_time(round.submitted_at))
            }
            (ScalStatus::Returned { reason, .. }, Some(round)) => {
                @if let Some(reason) = reason {
                    p class="nhsuk-body nhsuk-u-margin-top-2 nhsuk-u-margin-bottom-0 scal-pre-line" { (reason) }
                }
                @if let (Some(by), Some(at)) = (&round.decided_by, round.decided_at) {
                    span class="nhsuk-hint" { "By " (by) " on " (date_time(at)) }
                }
            }
            _ => {}
        }
    }
}

pub(crate) fn state_tag(state: StepState) -> Markup {
    match state {
        StepState::NotStarted => tag(state.label(), "grey"),
        StepState::InProgress => tag(state.label(), "blue"),
        StepState::Done => tag(state.label(), "green"),
        StepState::NotApplicable => tag(state.label(), "grey"),
    }
}

fn outcome_tag(outcome: CheckOutcome) -> Markup {
    match outcome {
        CheckOutcome::Pass => tag("Pass", "green"),
        CheckOutcome::Red => tag("Red", "red"),
        CheckOutcome::Error => tag("Needs attention", "red"),
        CheckOutcome::Warning => tag("Warning", "yellow"),
    }
}

/// Where a step is worked on: the use case form, the information sheet, or the submission page.
fn step_href(view: &ScalView, case: &CaseView, step: Step) -> Option<String> {
    let scal_id = &view.scal.id;
    match step {
        Step::UseCase => case
            .service
            .use_case_required
            .then(|| format!("#use-case-{}", case.service.code.as_str())),
        Step::RequestTemplate => None,
        Step::Submission => Some(format!("/scals/{scal_id}/submit")),
        other => {
            let sheet = view.information_sheet()?;
            let first = other.questions().first()?;
            Some(format!("/scals/{scal_id}/sheets/{}/requirements/{first}", sheet.id))
        }
    }
}

fn task_list(view: &ScalView, case: &CaseView) -> Markup {
    let code = case.service.code.as_str();
    html! {
        ul class="nhsuk-task-list" {
            @for status in &case.steps {
                (task(view, case, code, status))
            }
        }
    }
}

fn task(view: &ScalView, case: &CaseView, code: &str, status: &StepStatus) -> Markup {
    let n = status.step.number();
    let status_id = format!("case-{code}-step-{n}-status");
    let hint_id = format!("case-{code}-step-{n}-hint");
    let name = format!("{n}. {}", status.step.name());
    let evidence = case.evidence(status.step);
    let has_hint = !status.checks.is_empty() || status.updated_by.is_some() || !evidence.is_empty();
    let described = if has_hint {
        format!("{hint_id} {status_id}")
    } else {
        status_id.clone()
    };
    let href = step_href(view, case, status.step);
    html! {
        li class={ "nhsuk-task-list__item" @if href.is_some() { " nhsuk-task-list__item--with-link" } } {
            div class="nhsuk-task-list__name-and-hint" {
                @if let Some(href) = &href {
                    a class="nhsuk-link nhsuk-task-list__link" href=(href) aria-describedby=(described) { (name) }
                } @else {
                    div { (name) }
                }
                @if has_hint {
                    div class="nhsuk-task-list__hint" id=(hint_id) {
                        @if !status.checks.is_empty() {
                            ul class="nhsuk-list nhsuk-u-margin-bottom-1" {
                                @for check in &status.checks {
                                    li class="nhsuk-u-margin-bottom-1" {
                                        // An untouched step is "Not started", not an error: what it
                                        // still needs is listed plainly; red is for a real problem.
                                        @if status.state != StepState::NotStarted || check.outcome != CheckOutcome::Error {
                                            (outcome_tag(check.outcome)) " "
                                        }
                                        (check.message)
                                    }
                                }
                            }
                        }
                        @if !evidence.is_empty() {
                            p class="nhsuk-u-margin-bottom-1" {
                                "Evidence: "
                                @for (i, file) in evidence.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    (file.file_name)
                                }
                            }
                        }
                        @if let (Some(by), Some(at)) = (&status.updated_by, status.updated_at) {
                            "Last changed by " (by) " on " (date_time(at))
                        }
                    }
                }
            }
            div class="nhsuk-task-list__status" id=(status_id) { (state_tag(status.state)) }
        }
    }
}

fn use_case_form(
    session: &CurrentSession,
    view: &ScalView,
    case: &CaseView,
    errors: &[FieldError],
    editable: bool,
) -> Markup {
    let code = case.service.code.as_str();
    let id = format!("use-case-{code}");
    let error = errors.iter().find(|e| e.field == id).map(|e| e.message.as_str());
    let value = case.use_case.clone().unwrap_or_default();
    html! {
        @if editable {
            form method="post" action=(format!("/scals/{}/cases/{code}/use-case", view.scal.id)) novalidate {
                (csrf(&session.csrf_token))
                div class={ "nhsuk-form-group" @if error.is_some() { " nhsuk-form-group--error" } } {
                    label class="nhsuk-label nhsuk-label--s" for=(id) { "Use case for " (case.service.name) }
                    div class="nhsuk-hint" id=(format!("{id}-hint")) {
                        "What your product will use " (code) " for, and who will use it. NHS England must agree it before you start."
                    }
                    @if let Some(error) = error {
                        span class="nhsuk-error-message" id=(format!("{id}-error")) {
                            span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                        }
                    }
                    textarea class={ "nhsuk-textarea" @if error.is_some() { " nhsuk-textarea--error" } } id=(id) name="use_case" rows="4"
                        aria-describedby={ (id) "-hint" @if error.is_some() { " " (id) "-error" } } { (value) }
                }
                button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Save the use case" }
            }
        } @else {
            h4 class="nhsuk-heading-s" id=(id) { "Use case" }
            p class="nhsuk-body scal-pre-line" { @if value.is_empty() { "Not declared yet" } @else { (value) } }
        }
    }
}

/// What NHS England needs from the supplier now: the items the returned round queried or did not
/// accept (each with where it is answered), and the questions waiting for an answer.
#[derive(Debug, Default)]
pub(crate) struct Needs {
    /// (requirement ID, its page, verdict, comment).
    items: Vec<(String, Option<String>, scal_domain::review::Verdict, Option<String>)>,
    /// (thread page, what it is about) for threads waiting for the supplier.
    questions: Vec<(String, String)>,
}

/// Reads [`Needs`] for the SCAL's page.
async fn needs(state: &AppState, session: &CurrentSession, view: &ScalView) -> Result<Needs, PageError> {
    let mut needs = Needs::default();
    if let Some(round) = view
        .rounds
        .last()
        .filter(|r| r.round_status() == scal_domain::review::RoundStatus::Returned)
    {
        let review = scal_app::review::get(&state.app, &session.actor, &round.id, state.now().date()).await?;
        needs.items = review
            .asks()
            .into_iter()
            .map(|(item, verdict)| {
                let href = view.sheets.iter().find(|s| s.name == item.sheet).map(|s| {
                    format!(
                        "/scals/{}/sheets/{}/requirements/{}",
                        view.scal.id,
                        s.id,
                        urlencoding::encode(&item.id)
                    )
                });
                (
                    item.id.clone(),
                    href,
                    verdict.review.verdict,
                    verdict.review.comment.clone(),
                )
            })
            .collect();
    }
    needs.questions = scal_app::threads::list_for_scal(&state.app, &session.actor, &view.scal.id)
        .await?
        .into_iter()
        .filter(|t| t.state == scal_domain::thread::ThreadState::Open)
        .map(|t| (format!("/threads/{}", t.thread.id), t.label))
        .collect();
    Ok(needs)
}

fn needs_banner(needs: &Needs) -> Markup {
    html! {
        @if !needs.items.is_empty() || !needs.questions.is_empty() {
            div class="nhsuk-warning-callout" {
                h2 class="nhsuk-warning-callout__label" {
                    span role="text" { span class="nhsuk-u-visually-hidden" { "Important: " } "What NHS England needs from you" }
                }
                @if !needs.items.is_empty() {
                    p { "Change or explain these items, then submit again:" }
                    ul class="nhsuk-list nhsuk-list--bullet" {
                        @for (id, href, verdict, comment) in &needs.items {
                            li {
                                @match href { Some(href) => { a href=(href) { (id) } } None => { (id) } }
                                ": " (verdict.label())
                                @if let Some(comment) = comment { " (" span class="scal-pre-line" { (comment) } ")" }
                            }
                        }
                    }
                }
                @if !needs.questions.is_empty() {
                    p { "Answer these questions:" }
                    ul class="nhsuk-list nhsuk-list--bullet" {
                        @for (href, about) in &needs.questions { li { a href=(href) { (about) } } }
                    }
                }
            }
        }
    }
}

fn overview(
    session: &CurrentSession,
    view: &ScalView,
    cases: &[CaseView],
    errors: &[FieldError],
    needs: &Needs,
) -> Markup {
    let editable = editable(session, view);
    let scal_id = &view.scal.id;
    let name = product_name(view);
    let content = html! {
        (back_link(&format!("/products/{}", view.product.id), "Back to the product"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { "SCAL" }
        h1 class="nhsuk-heading-xl" { (name) }
        (summary_list(&[
            ("Product", html! { a href=(format!("/products/{}", view.product.id)) { (name) } }, None),
            ("Status", status(view, cases), None),
            ("Answers", html! { (progress(&view.summary)) }, None),
        ]))
        @if authorize(&session.actor, Action::AnswerScal, Some(&view.product.org_id)).is_ok() {
            (needs_banner(needs))
        }
        @if !view.reopened.is_empty() {
            div class="nhsuk-warning-callout" {
                h2 class="nhsuk-warning-callout__label" {
                    span role="text" { span class="nhsuk-u-visually-hidden" { "Important: " } "This SCAL has been reopened" }
                }
                @for r in &view.reopened {
                    p {
                        (capitalised(&r.reason))
                        @if let Some(due) = &r.due_date { ", due " (due) }
                        "."
                    }
                }
                @if !view.to_confirm.is_empty() {
                    p { "Requirements changed: confirm or change your answer to each." }
                    ul {
                        @for item in &view.to_confirm {
                            @if let Some(sheet) = view.sheets.iter().find(|s| s.name == item.sheet) {
                                li {
                                    a href=(format!("/scals/{scal_id}/sheets/{}/requirements/{}", sheet.id, urlencoding::encode(&item.requirement_id))) {
                                        (item.requirement_id)
                                    }
                                    " (" (item.what) ")"
                                }
                            }
                        }
                    }
                }
                @if !view.sheets_to_confirm.is_empty() {
                    p { "The product changed: check these sheets and confirm each." }
                    ul {
                        @for item in &view.sheets_to_confirm {
                            @if let Some(sheet) = view.sheets.iter().find(|s| s.name == item.sheet) {
                                li { a href=(format!("/scals/{scal_id}/sheets/{}", sheet.id)) { (sheet.name) } }
                            }
                        }
                    }
                }
                p { "Answer any new requirements, then check your answers and submit again. NHS England reviews what changed." }
            }
        }
        @if authorize(&session.actor, Action::AnswerScal, Some(&view.product.org_id)).is_ok()
            && view.rounds.last().is_some_and(|r| r.round_status() != scal_domain::review::RoundStatus::Submitted) {
            p class="nhsuk-body" { a href=(format!("/scals/{scal_id}/product-change")) { "Tell NHS England about a new version or a significant change to the product" } }
        }
        @if view.scal.information_review {
            div class="nhsuk-warning-callout" {
                h2 class="nhsuk-warning-callout__label" {
                    span role="text" { span class="nhsuk-u-visually-hidden" { "Important: " } "Confirm the information sheet" }
                }
                p { "This product was onboarded to another service. Review the supplier and product information and confirm it is still correct before you submit." }
                @if let Some(sheet) = view.information_sheet() {
                    p { a href=(format!("/scals/{scal_id}/sheets/{}", sheet.id)) { "Review the supplier and product information" } }
                }
                @if editable {
                    form method="post" action=(format!("/scals/{scal_id}/information/confirm")) novalidate {
                        (csrf(&session.csrf_token))
                        (button("Confirm the information is correct"))
                    }
                }
            }
        }
        h2 class="nhsuk-heading-l" { "Onboarding" }
        @if cases.is_empty() {
            p class="nhsuk-body" { "No service has been issued to this SCAL yet." }
        }
        @for case in cases {
            section id=(format!("case-{}", case.service.code.as_str())) {
                h3 class="nhsuk-heading-m" { (case.service.name) " " span class="nhsuk-caption-m" { (case.service.code.as_str()) } }
                @if case.service.use_case_required {
                    (use_case_form(session, view, case, errors, editable))
                }
                (task_list(view, case))
            }
        }
        h2 class="nhsuk-heading-l" { "Sheets" }
        (data_table("Sheets of this SCAL", Caption::Hidden, html! {
            thead class="nhsuk-table__head" {
                tr class="nhsuk-table__row" {
                    th class="nhsuk-table__header" scope="col" { "Sheet" }
                    th class="nhsuk-table__header" scope="col" { "Service" }
                    th class="nhsuk-table__header" scope="col" { "Progress" }
                }
            }
            tbody class="nhsuk-table__body" {
                @for sheet in &view.sheets {
                    tr class="nhsuk-table__row" {
                        td class="nhsuk-table__cell" { a href=(format!("/scals/{scal_id}/sheets/{}", sheet.id)) { (sheet.name) } }
                        td class="nhsuk-table__cell" {
                            @match (&sheet.service_code, sheet.kind) {
                                (Some(code), _) => (code),
                                (None, SheetKind::Information) => "All services",
                                (None, _) => "",
                            }
                        }
                        td class="nhsuk-table__cell" { (progress(&sheet.summary)) }
                    }
                }
            }
        }))
        h2 class="nhsuk-heading-l" { "Evidence and submission" }
        ul class="nhsuk-list" {
            li { a href=(format!("/scals/{scal_id}/evidence")) { "Evidence files" } }
            li { a href=(format!("/scals/{scal_id}/threads")) { "Questions from NHS England" } }
            @if view.accepted_round().is_some() {
                li { a href=(format!("/scals/{scal_id}/testing")) { "Technical conformance testing" } }
                li { a href=(format!("/scals/{scal_id}/certificates")) { "Certificate of technical conformance" } }
                li { a href=(format!("/scals/{scal_id}/agreements")) { "Connection agreement and go-live" } }
            }
            li { a href=(format!("/products/{}/workbook", view.product.id)) { "Download the SCAL as an Excel workbook (.xlsx)" } }
        }
        @if editable {
            details class="nhsuk-details" {
                summary class="nhsuk-details__summary" {
                    span class="nhsuk-details__summary-text" { "Upload a completed workbook" }
                }
                div class="nhsuk-details__text" { (super::scals::answers_upload_form(session, &view.product.id)) }
            }
        }
        @if editable {
            a class="nhsuk-button" href=(format!("/scals/{scal_id}/submit")) { "Check your answers and submit" }
        } @else {
            p class="nhsuk-body" { a href=(format!("/scals/{scal_id}/submit")) { "Check the answers" } }
        }
        @if !view.rounds.is_empty() {
            h2 class="nhsuk-heading-l" { "Submissions" }
            (rounds_table(view))
        }
    };
    page(
        &format!("SCAL for {name}"),
        &Chrome::signed_in(session, Nav::Products),
        !errors.is_empty(),
        content,
    )
}

fn rounds_table(view: &ScalView) -> Markup {
    html! {
        (data_table("Submission rounds", Caption::Hidden, html! {
            thead class="nhsuk-table__head" {
                tr class="nhsuk-table__row" {
                    th class="nhsuk-table__header" scope="col" { "Round" }
                    th class="nhsuk-table__header" scope="col" { "Submitted" }
                    th class="nhsuk-table__header" scope="col" { "Status" }
                    th class="nhsuk-table__header" scope="col" { "SHA-256" }
                }
            }
            tbody class="nhsuk-table__body" {
                @for round in view.rounds.iter().rev() {
                    tr class="nhsuk-table__row" {
                        td class="nhsuk-table__cell" { a href=(format!("/submissions/{}", round.id)) { "Round " (round.round) } }
                        td class="nhsuk-table__cell" { (round.submitted_by) br; (date_time(round.submitted_at)) }
                        td class="nhsuk-table__cell" {
                            @if round.status == "submitted" { (tag("With NHS England", "blue")) } @else { (tag("Returned", "orange")) }
                        }
                        td class="nhsuk-table__cell" { code { (round.sha256.get(..12).unwrap_or(&round.sha256)) } }
                    }
                }
            }
        }))
    }
}

/// The SCAL's overview.
pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let (view, cases) = scal_app::cases::cases(&state.app, &session.actor, &id, state.now()).await?;
    let needs = needs(&state, &session, &view).await?;
    Ok(overview(&session, &view, &cases, &[], &needs).into_response())
}

pub async fn confirm_information(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    scal_app::scals::confirm_information(&state.app, &session.actor, &id, state.now())
        .await
        .map_err(refusal)?;
    Ok(done(&state, &format!("/scals/{id}"), Notice::InformationConfirmed))
}

#[derive(Debug, Default, Deserialize)]
pub struct UseCaseForm {
    #[serde(default)]
    use_case: String,
}

pub async fn set_use_case(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, code)): Path<(String, String)>,
    PageForm(form): PageForm<UseCaseForm>,
) -> PageResult {
    match scal_app::cases::set_use_case(&state.app, &session.actor, &id, &code, &form.use_case, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(()) => Ok(done(&state, &format!("/scals/{id}#case-{code}"), Notice::UseCaseSaved)),
        Err(FormOutcome::Errors(errors)) => {
            let (view, mut cases) = scal_app::cases::cases(&state.app, &session.actor, &id, state.now()).await?;
            let field = format!("use-case-{code}");
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|e| FieldError::new(if e.field == "use_case" { &field } else { &e.field }, e.message))
                .collect();
            if let Some(case) = cases
                .iter_mut()
                .find(|c| c.service.code.as_str().eq_ignore_ascii_case(&code))
            {
                case.use_case = Some(form.use_case.clone());
            }
            let needs = needs(&state, &session, &view).await?;
            Ok(form_page(overview(&session, &view, &cases, &errors, &needs), &errors))
        }
        Err(FormOutcome::Failed(error)) => Err(refusal_page(error)),
    }
}

/// `refusal` for errors already turned into pages: a 409 keeps its message under a clear title.
fn refusal_page(error: PageError) -> PageError {
    if error.status == StatusCode::CONFLICT {
        PageError::new(StatusCode::CONFLICT, "This cannot be changed now", error.message)
    } else {
        error
    }
}

fn find_sheet<'v>(view: &'v ScalView, sheet_id: &str) -> Result<&'v SheetView, PageError> {
    view.sheets
        .iter()
        .find(|s| s.id == sheet_id)
        .ok_or_else(PageError::not_found)
}

fn evidence_links(row: &RequirementView) -> Markup {
    html! {
        @if row.evidence.is_empty() {
            "None"
        } @else {
            ul class="nhsuk-list nhsuk-u-margin-bottom-0" {
                @for file in &row.evidence {
                    li { a href=(format!("/evidence/{}", file.id)) { (file.file_name) } }
                }
            }
        }
    }
}

/// One sheet: its progress and every requirement with its answer.
/// Sheets longer than this are shown one section at a time (or filtered), not as one page of
/// thousands of pixels.
const LONG_SHEET: usize = 60;

/// Which rows of a sheet to show.
#[derive(Debug, Default, Deserialize)]
pub struct SheetQuery {
    /// `all` (default), `unanswered`, `red`, `amber` or `changed` (since the latest round).
    #[serde(default)]
    show: Option<String>,
    /// A section's name; on a long sheet, the first section when not given.
    #[serde(default)]
    section: Option<String>,
}

/// A requirement's section, as the sheet's navigation names it.
fn section_of(row: &RequirementView) -> &str {
    row.requirement.section.as_deref().unwrap_or("Other requirements")
}

/// Where a requirement is on its sheet's page: the sheet, at the row's section when the sheet is
/// long (so the row is on the page), at the row itself.
pub(crate) fn sheet_href_for(view: &ScalView, sheet_id: &str, requirement_id: &str) -> String {
    let base = format!("/scals/{}/sheets/{sheet_id}", view.scal.id);
    let sheet = view.sheets.iter().find(|s| s.id == sheet_id);
    let section = sheet
        .filter(|s| s.requirements.len() > LONG_SHEET)
        .and_then(|s| s.requirements.iter().find(|r| r.requirement.id == requirement_id))
        .map(section_of);
    match section {
        Some(section) => format!("{base}?section={}#req-{requirement_id}", urlencoding::encode(section)),
        None => format!("{base}#req-{requirement_id}"),
    }
}

pub async fn sheet(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, sheet_id)): Path<(String, String)>,
    crate::extract::PageQuery(query): crate::extract::PageQuery<SheetQuery>,
) -> PageResult {
    let view = scal_app::scals::view_scal(&state.app, &session.actor, &id).await?;
    let sheet = find_sheet(&view, &sheet_id)?;
    let editable = editable(&session, &view);
    let base = format!("/scals/{}/sheets/{}", view.scal.id, sheet.id);
    let changed = scal_app::submissions::changed_since_last_round(&state.app, &session.actor, &view).await?;
    let is_changed = |row: &RequirementView| {
        changed
            .as_ref()
            .is_some_and(|c| c.contains(&(sheet.name.clone(), row.requirement.id.clone())))
    };
    use scal_domain::template::Rag;
    let filters: Vec<(&str, &str, usize)> = [
        ("all", "All", sheet.requirements.len()),
        (
            "unanswered",
            "Unanswered",
            sheet.requirements.iter().filter(|r| r.rag == Rag::None).count(),
        ),
        (
            "red",
            "Red",
            sheet.requirements.iter().filter(|r| r.rag == Rag::Red).count(),
        ),
        (
            "amber",
            "Amber",
            sheet.requirements.iter().filter(|r| r.rag == Rag::Amber).count(),
        ),
    ]
    .into_iter()
    .chain(changed.as_ref().map(|_| {
        (
            "changed",
            "Changed since the last round",
            sheet.requirements.iter().filter(|r| is_changed(r)).count(),
        )
    }))
    .collect();
    let show = query
        .show
        .as_deref()
        .filter(|s| filters.iter().any(|(code, _, _)| code == s))
        .unwrap_or("all");
    // In order of first appearance, found by name through an index: a sheet can have a section
    // per row (hundreds), and a search of the list for each row was quadratic.
    let mut sections: Vec<(&str, usize, usize)> = Vec::new();
    let mut section_at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for row in &sheet.requirements {
        let name = section_of(row);
        let at = *section_at.entry(name).or_insert_with(|| {
            sections.push((name, 0, 0));
            sections.len() - 1
        });
        sections[at].1 += 1;
        sections[at].2 += usize::from(row.rag != Rag::None);
    }
    // A long sheet shows one section at a time unless filtered; a short one shows everything.
    let long = sheet.requirements.len() > LONG_SHEET && sections.len() > 1;
    let section = match query.section.as_deref() {
        Some(s) if section_at.contains_key(s) => Some(s),
        _ if long && show == "all" => sections.first().map(|(n, _, _)| *n),
        _ => None,
    };
    let rows: Vec<&RequirementView> = sheet
        .requirements
        .iter()
        .filter(|r| match show {
            "unanswered" => r.rag == Rag::None,
            "red" => r.rag == Rag::Red,
            "amber" => r.rag == Rag::Amber,
            "changed" => is_changed(r),
            _ => true,
        })
        .filter(|r| section.is_none_or(|s| section_of(r) == s))
        .collect();
    let link = |show: &str, section: Option<&str>| {
        let mut href = format!("{base}?show={show}");
        if let Some(section) = section {
            href.push_str(&format!("&section={}", urlencoding::encode(section)));
        }
        href
    };
    let content = html! {
        (back_link(&format!("/scals/{}", view.scal.id), "Back to the SCAL"))
        span class="nhsuk-caption-l" { (product_name(&view)) }
        h1 class="nhsuk-heading-xl" { (sheet.name) }
        p class="nhsuk-body-l" { (progress(&sheet.summary)) }
        nav class="scal-filters" aria-label="Show requirements" {
            ul class="nhsuk-list scal-filters__list" {
                @for (code, label, count) in &filters {
                    li {
                        @if *code == show {
                            strong aria-current="true" { (label) " (" (count) ")" }
                        } @else {
                            a href=(link(code, None)) { (label) " (" (count) ")" }
                        }
                    }
                }
            }
        }
        @if sections.len() > 1 {
            details class="nhsuk-details" open[long && show == "all"] {
                summary class="nhsuk-details__summary" {
                    span class="nhsuk-details__summary-text" { "Sections (" (sections.len()) ")" }
                }
                div class="nhsuk-details__text" {
                    ul class="nhsuk-list" {
                        @for (name, total, answered) in &sections {
                            li {
                                @if Some(*name) == section {
                                    strong aria-current="true" { (name) }
                                } @else {
                                    a href=(link(show, Some(name))) { (name) }
                                }
                                " " span class="nhsuk-hint nhsuk-u-font-size-16" { (answered) " of " (total) " answered" }
                            }
                        }
                        @if section.is_some() && !long {
                            li { a href=(link(show, None)) { "Every section" } }
                        }
                    }
                }
            }
        }
        @if let Some(section) = section {
            h2 class="nhsuk-heading-m" { (section) }
        }
        @if rows.is_empty() {
            p class="nhsuk-body" { "No requirement here matches. " a href=(link("all", None)) { "Show every requirement" } }
        }
        @if !editable && view.locked() {
            (inset(html! { "This SCAL has been submitted and is with NHS England, so it cannot be changed." }))
        }
        @if view.sheets_to_confirm.iter().any(|s| s.sheet == sheet.name) {
            div class="nhsuk-warning-callout" {
                h2 class="nhsuk-warning-callout__label" {
                    span role="text" { span class="nhsuk-u-visually-hidden" { "Important: " } "The product changed: check this sheet" }
                }
                p { "You told NHS England about a change to the product. Check every answer on this sheet, change any that are no longer right, then confirm it." }
                @if editable {
                    form method="post" action=(format!("/scals/{}/confirmations", view.scal.id)) novalidate {
                        (csrf(&session.csrf_token))
                        input type="hidden" name="sheet_id" value=(sheet.id);
                        button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Confirm this sheet is correct" }
                    }
                }
            }
        }
        @if !sheet.scoped_out.is_empty() {
            details class="nhsuk-details" {
                summary class="nhsuk-details__summary" {
                    span class="nhsuk-details__summary-text" { (plural(sheet.scoped_out.len(), "requirement", "requirements")) " scoped out by NHS England" }
                }
                div class="nhsuk-details__text" {
                    ul class="nhsuk-list" {
                        @for (rid, reason) in &sheet.scoped_out { li { code { (rid) } ": " (reason) } }
                    }
                }
            }
        }
        (data_table(&format!("Requirements of {}", sheet.name), Caption::Hidden, html! {
            thead class="nhsuk-table__head" {
                tr class="nhsuk-table__row" {
                    th class="nhsuk-table__header" scope="col" { "Requirement" }
                    th class="nhsuk-table__header" scope="col" { "Answer" }
                    th class="nhsuk-table__header" scope="col" { "Justification and mitigation" }
                    th class="nhsuk-table__header" scope="col" { "Evidence" }
                    th class="nhsuk-table__header" scope="col" { span class="nhsuk-u-visually-hidden" { "Action" } }
                }
            }
            tbody class="nhsuk-table__body" {
                @for row in &rows {
                    @let rid = &row.requirement.id;
                    tr class="nhsuk-table__row" id=(format!("req-{rid}")) {
                        td class="nhsuk-table__cell" {
                            code { (rid) } " " span class="nhsuk-hint nhsuk-u-font-size-16" { (row.requirement.level.plain()) }
                            @if view.needs_confirming(&sheet.name, rid).is_some() {
                                " " (super::layout::tag("Changed: confirm your answer", "orange"))
                            }
                            br;
                            (row.requirement.text)
                        }
                        td class="nhsuk-table__cell" {
                            @if let Some(answer) = &row.answer { (answer) br; }
                            (rag_tag(row.rag))
                        }
                        td class="nhsuk-table__cell" {
                            @if let Some(j) = &row.justification { p class="nhsuk-body-s nhsuk-u-margin-bottom-1" { strong { "Justification: " } (j) } }
                            @if let Some(m) = &row.mitigation { p class="nhsuk-body-s nhsuk-u-margin-bottom-1" { strong { "Mitigation: " } (m) } }
                            @if let Some(d) = &row.target_date { p class="nhsuk-body-s nhsuk-u-margin-bottom-0" { strong { "Target date: " } (d) } }
                        }
                        td class="nhsuk-table__cell" { (evidence_links(row)) }
                        td class="nhsuk-table__cell" {
                            a href=(format!("{base}/requirements/{rid}")) {
                                @if !editable { "View" } @else if row.answer.is_some() { "Change" } @else { "Answer" }
                                span class="nhsuk-u-visually-hidden" { " " (rid) }
                            }
                        }
                    }
                }
            }
        }))
    };
    Ok(page(
        &format!("{} - {}", sheet.name, product_name(&view)),
        &Chrome::signed_in(&session, Nav::Products),
        false,
        content,
    )
    .into_response())
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: Option<String>,
    #[serde(default)]
    justification: Option<String>,
    #[serde(default)]
    mitigation: Option<String>,
    #[serde(default)]
    target_date: Option<String>,
    /// `next`: go on to the next unanswered question ("Save and continue"); else back to the sheet.
    #[serde(default)]
    then: Option<String>,
}

impl AnswerForm {
    fn from_row(row: &RequirementView) -> Self {
        Self {
            answer: row.answer.clone(),
            justification: row.justification.clone(),
            mitigation: row.mitigation.clone(),
            target_date: row.target_date.clone(),
            then: None,
        }
    }
}

/// The answer's field. On a service sheet a declaration asks "Do you meet this requirement?" under
/// the requirement; on the information sheet the heading is already the question, so the field
/// is simply "Your answer". Short choices are radios, long lists a select.
fn answer_field(row: &RequirementView, sheet: &SheetView, value: &str, errors: &[FieldError]) -> Markup {
    let hint = row.requirement.guidance.as_deref();
    let service = sheet.kind == SheetKind::Service;
    match &row.requirement.answer_kind {
        AnswerKind::Declaration => radios(
            "answer",
            if service {
                "Do you meet this requirement?"
            } else {
                "Your answer"
            },
            &[("Yes", "Yes"), ("No", "No"), ("N/A", "Not applicable")],
            value,
            errors,
            hint,
        ),
        AnswerKind::Choice(options) if options.len() <= 8 => {
            let options: Vec<(&str, &str)> = options.iter().map(|o| (o.as_str(), o.as_str())).collect();
            radios("answer", "Your answer", &options, value, errors, hint)
        }
        AnswerKind::Choice(options) => {
            let options: Vec<(&str, &str)> = [("", "Choose an answer")]
                .into_iter()
                .chain(options.iter().map(|o| (o.as_str(), o.as_str())))
                .collect();
            select("answer", "Your answer", &options, value, errors, hint)
        }
        AnswerKind::Date => text_input(
            "answer",
            "Date",
            value,
            errors,
            InputOptions {
                hint: Some("For example, 2026-03-31 or 31/03/2026"),
                width_class: Some("nhsuk-input--width-10"),
                ..Default::default()
            },
        ),
        AnswerKind::OdsCode => text_input(
            "answer",
            "ODS code",
            value,
            errors,
            InputOptions {
                hint: Some("Your organisation's code, for example 8JK21"),
                width_class: Some("nhsuk-input--width-10"),
                spellcheck_off: true,
                ..Default::default()
            },
        ),
        AnswerKind::Attachment => html! {
            input type="hidden" name="answer" value=(value);
            p class="nhsuk-body" { "This question is answered by the files you link to it below." }
        },
        AnswerKind::FreeText => textarea("answer", "Your answer", value, errors, hint),
    }
}

/// The start of `text`, cut at a word, for a page title.
fn truncate_words(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{}…", cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head))
}

/// What the records already say for a question about the organisation or product, offered as the
/// answer until one is saved.
fn known_fact(
    row: &RequirementView,
    org: Option<&scal_domain::organisation::Organisation>,
    view: &ScalView,
) -> Option<String> {
    use scal_domain::onboarding::info;
    match row.requirement.id.as_str() {
        info::ORGANISATION => org.map(|o| o.name.clone()),
        info::ODS => org.map(|o| o.ods_code.as_str().to_string()),
        info::PRODUCT => Some(view.product.details.title()),
        _ => None,
    }
}

/// One requirement's page: the form when the user may answer, the answer otherwise.
pub(crate) async fn requirement_page(
    state: &AppState,
    session: &CurrentSession,
    ids: (&str, &str, &str),
    form: Option<&AnswerForm>,
    errors: &[FieldError],
) -> Result<Response, PageError> {
    let (id, sheet_id, requirement_id) = ids;
    let view = scal_app::scals::view_scal(&state.app, &session.actor, id).await?;
    let files = scal_app::evidence::list(&state.app, &session.actor, id).await?;
    let sheet = find_sheet(&view, sheet_id)?;
    let row = sheet
        .requirements
        .iter()
        .find(|r| r.requirement.id == requirement_id)
        .ok_or_else(PageError::not_found)?;
    let org = scal_app::organisations::get(&state.app, &session.actor, &view.product.org_id)
        .await
        .ok();
    let threads = scal_app::threads::for_item(&state.app, &session.actor, id, &sheet.name, &row.requirement.id).await?;
    let subject = scal_domain::thread::Subject::Item {
        sheet: sheet.name.clone(),
        requirement_id: row.requirement.id.clone(),
    };
    let questions = super::threads::item_threads(session, &view, &subject, &threads);
    // NHS England's verdict on this item in the latest decided round, when it asks for something.
    let latest_verdict = match view.rounds.last().filter(|r| {
        matches!(
            r.round_status(),
            scal_domain::review::RoundStatus::Returned | scal_domain::review::RoundStatus::Accepted
        )
    }) {
        Some(round) => {
            let review = scal_app::review::get(&state.app, &session.actor, &round.id, state.now().date()).await?;
            let key = scal_domain::review::ItemKey::new(&sheet.name, &row.requirement.id);
            review.verdict(&key).map(|v| (round.round, v.review.clone()))
        }
        None => None,
    };
    let questions = maud::html! {
        @if let Some((round, verdict)) = &latest_verdict {
            div class="nhsuk-inset-text" {
                span class="nhsuk-u-visually-hidden" { "Information: " }
                p { "NHS England's verdict in round " (round) ": " strong { (verdict.verdict.label()) } }
                @if let Some(comment) = &verdict.comment { p class="scal-pre-line" { (comment) } }
                @if let Some(decision) = verdict.decision { p { "Decision on your explanation and mitigation: " (decision.label()) } }
                @for c in &verdict.conditions { p { "Condition: " (c.text) ", due " (c.due) } }
            }
        }
        (questions)
    };
    let markup = requirement_markup(
        session,
        &view,
        sheet,
        row,
        (&files, org.as_ref(), questions),
        form,
        errors,
    );
    Ok(form_page(markup, errors))
}

fn requirement_markup(
    session: &CurrentSession,
    view: &ScalView,
    sheet: &SheetView,
    row: &RequirementView,
    (files, org, questions): (
        &[EvidenceRecord],
        Option<&scal_domain::organisation::Organisation>,
        Markup,
    ),
    form: Option<&AnswerForm>,
    errors: &[FieldError],
) -> Markup {
    let editable = editable(session, view);
    let scal_id = &view.scal.id;
    let rid = &row.requirement.id;
    let action = format!("/scals/{scal_id}/sheets/{}/requirements/{rid}", sheet.id);
    let mut current = AnswerForm::from_row(row);
    if current.answer.is_none() {
        current.answer = known_fact(row, org, view);
    }
    let form = form.unwrap_or(&current);
    // Only the fields this question can need (the domain's rule), and any that hold something.
    let needs = scal_domain::check::explanation_fields(&row.requirement);
    let filled = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
    let show_justification = needs.justification || filled(&form.justification);
    let show_mitigation = needs.mitigation || filled(&form.mitigation);
    let show_target_date = needs.target_date || filled(&form.target_date);
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let r = &row.requirement;
    let linkable: Vec<(&str, &str)> = [("", "Choose a file")]
        .into_iter()
        .chain(
            files
                .iter()
                .filter(|f| !row.evidence.iter().any(|e| e.id == f.id))
                .map(|f| (f.id.as_str(), f.file_name.as_str())),
        )
        .collect();
    let mut details: Vec<super::layout::SummaryRow<'_>> = vec![
        ("Level", html! { (r.level.plain()) }, None),
        (
            "Current answer",
            html! {
                @if let Some(a) = &row.answer { (a) " " } (rag_tag(row.rag))
            },
            None,
        ),
    ];
    if let Some(section) = &r.section {
        details.push(("Section", html! { (section) }, None));
    }
    if let Some(evidence) = &r.evidence_required {
        details.push(("Evidence required", html! { (evidence) }, None));
    }
    if let Some(tests) = &r.test_cases {
        details.push(("Test cases", html! { (tests) }, None));
    }
    if let (Some(by), Some(at)) = (&row.updated_by, row.updated_at) {
        details.push(("Last changed", html! { (by) " on " (date_time(at)) }, None));
    }
    let content = html! {
        (back_link(&sheet_href_for(view, &sheet.id, rid), "Back to the sheet"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (sheet.name) ", " span class="scal-id" { (rid) } }
        h1 class={ @if r.text.chars().count() > 160 { "nhsuk-heading-m" } @else { "nhsuk-heading-l" } } { (r.text) }
        @if let Some(what) = view.needs_confirming(&sheet.name, rid) {
            div class="nhsuk-warning-callout" {
                h2 class="nhsuk-warning-callout__label" {
                    span role="text" { span class="nhsuk-u-visually-hidden" { "Important: " } "Requirement changed: confirm or change your answer" }
                }
                p { "NHS England's new version of this requirement changed its " (what) ". Your answer is kept: save a new one, or keep it as it is." }
                @if editable {
                    form method="post" action=(format!("/scals/{scal_id}/confirmations")) novalidate {
                        (csrf(&session.csrf_token))
                        input type="hidden" name="sheet_id" value=(sheet.id);
                        input type="hidden" name="requirement_id" value=(rid);
                        button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Keep my answer" }
                    }
                }
            }
        }
        (summary_list(&details))
        @if editable {
            form method="post" action=(action) novalidate {
                (csrf(&session.csrf_token))
                (answer_field(row, sheet, &value(&form.answer), errors))
                @if show_justification {
                    (textarea("justification", "Why not? (if you answer No or Not applicable)", &value(&form.justification), errors,
                        Some("Needed for a No to a MUST or SHOULD, and for Not applicable: why the product does not meet it")))
                }
                @if show_mitigation {
                    (textarea("mitigation", "Mitigation (if you answer No)", &value(&form.mitigation), errors,
                        Some("How the risk is managed until the product meets it")))
                }
                @if show_target_date {
                    (text_input("target_date", "Target date (if you answer No)", &value(&form.target_date), errors, InputOptions {
                        hint: Some("When the product will meet it, for example 2027-03-31"),
                        width_class: Some("nhsuk-input--width-10"),
                        ..Default::default()
                    }))
                }
                div class="nhsuk-button-group" {
                    button class="nhsuk-button" type="submit" name="then" value="next" data-module="nhsuk-button" { "Save and continue" }
                    button class="nhsuk-button nhsuk-button--secondary" type="submit" name="then" value="sheet" data-module="nhsuk-button" { "Save and go back to the sheet" }
                }
            }
        } @else {
            @if view.locked() {
                (inset(html! { "This SCAL has been submitted and is with NHS England, so it cannot be changed." }))
            }
            (summary_list(&[
                ("Justification", html! { (row.justification.clone().unwrap_or_else(|| "None given".into())) }, None),
                ("Mitigation", html! { (row.mitigation.clone().unwrap_or_else(|| "None given".into())) }, None),
                ("Target date", html! { (row.target_date.clone().unwrap_or_else(|| "None given".into())) }, None),
            ]))
        }
        (questions)
        h2 class="nhsuk-heading-m" id="evidence" { "Evidence" }
        @if row.evidence.is_empty() {
            p class="nhsuk-body" { "No file is linked to this question." }
        } @else {
            ul class="nhsuk-list" {
                @for file in &row.evidence {
                    li {
                        a href=(format!("/evidence/{}", file.id)) { (file.file_name) }
                        @if editable {
                            form class="scal-inline-form" method="post" action=(format!("/scals/{scal_id}/evidence/unlink")) novalidate {
                                (csrf(&session.csrf_token))
                                input type="hidden" name="evidence_id" value=(file.id);
                                input type="hidden" name="sheet_id" value=(sheet.id);
                                input type="hidden" name="requirement_id" value=(rid);
                                button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="submit" {
                                    "Unlink" span class="nhsuk-u-visually-hidden" { " " (file.file_name) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if editable {
            // Upload and link in one step, coming back here.
            @let file_error = errors.iter().find(|e| e.field == "file").map(|e| e.message.as_str());
            form method="post" action=(format!("/scals/{scal_id}/evidence")) enctype="multipart/form-data" novalidate {
                // First, so it is checked before the file is read (see `session`).
                (csrf(&session.csrf_token))
                input type="hidden" name="sheet_id" value=(sheet.id);
                input type="hidden" name="requirement_id" value=(rid);
                div class={ "nhsuk-form-group" @if file_error.is_some() { " nhsuk-form-group--error" } } {
                    label class="nhsuk-label" for="file" { "Upload a file and link it to this question" }
                    div class="nhsuk-hint" id="file-hint" { "PDF, Word, Excel, text, CSV, PNG, JPEG or ZIP" }
                    @if let Some(error) = file_error {
                        span class="nhsuk-error-message" id="file-error" { span class="nhsuk-u-visually-hidden" { "Error:" } " " (error) }
                    }
                    input class="nhsuk-file-upload" id="file" name="file" type="file" aria-describedby="file-hint";
                }
                button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Upload and link" }
            }
            @if linkable.len() > 1 {
                form method="post" action=(format!("/scals/{scal_id}/evidence/link")) novalidate {
                    (csrf(&session.csrf_token))
                    input type="hidden" name="sheet_id" value=(sheet.id);
                    input type="hidden" name="requirement_id" value=(rid);
                    (select("evidence_id", "Link one of your organisation's files", &linkable, "", errors, None))
                    button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Link the file" }
                }
            }
            p class="nhsuk-body" { a href=(format!("/scals/{scal_id}/evidence")) { "Upload a new evidence file" } }
        }
    };
    page(
        &format!("{rid}: {} - {}", truncate_words(&r.text, 60), sheet.name),
        &Chrome::signed_in(session, Nav::Products),
        !errors.is_empty(),
        content,
    )
}

/// The first unanswered question after `current` in the sheet's order, wrapping round to the
/// start; `None` when every other question is answered.
fn next_unanswered<'a>(sheet: &'a SheetView, current: &str) -> Option<&'a str> {
    let rows = &sheet.requirements;
    let at = rows.iter().position(|r| r.requirement.id == current).unwrap_or(0);
    rows.iter()
        .cycle()
        .skip(at + 1)
        .take(rows.len().saturating_sub(1))
        .find(|r| r.answer.as_deref().is_none_or(|a| a.trim().is_empty()))
        .map(|r| r.requirement.id.as_str())
}

pub async fn requirement(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, sheet_id, requirement_id)): Path<(String, String, String)>,
) -> PageResult {
    requirement_page(&state, &session, (&id, &sheet_id, &requirement_id), None, &[]).await
}

pub async fn save_answer(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, sheet_id, requirement_id)): Path<(String, String, String)>,
    PageForm(form): PageForm<AnswerForm>,
) -> PageResult {
    // A question answered by choosing must have a choice: saving none is an error here (the API
    // may clear an answer by sending none, on purpose).
    let view = scal_app::scals::view_scal(&state.app, &session.actor, &id).await?;
    let kind = view
        .sheets
        .iter()
        .find(|s| s.id == sheet_id)
        .and_then(|s| {
            s.requirements
                .iter()
                .find(|r| r.requirement.id == requirement_id.trim())
        })
        .map(|r| r.requirement.answer_kind.clone());
    let chosen = form.answer.as_deref().is_some_and(|a| !a.trim().is_empty());
    let unchosen = match kind {
        Some(AnswerKind::Declaration) if !chosen => Some("Select Yes, No or Not applicable"),
        Some(AnswerKind::Choice(_)) if !chosen => Some("Select an answer"),
        _ => None,
    };
    if let Some(message) = unchosen {
        return requirement_page(
            &state,
            &session,
            (&id, &sheet_id, &requirement_id),
            Some(&form),
            &[FieldError::new("answer", message)],
        )
        .await;
    }
    let input = AnswerInput {
        sheet_id: sheet_id.clone(),
        requirement_id: requirement_id.clone(),
        answer: form.answer.clone(),
        justification: form.justification.clone(),
        mitigation: form.mitigation.clone(),
        target_date: form.target_date.clone(),
    };
    let saved = scal_app::scals::save_answer(&state.app, &session.actor, &id, &input, state.now()).await;
    // A red answer saved without everything NHS England needs is kept, with a warning that it
    // blocks submission (the same rule as the gate).
    let notice = match &saved {
        Ok(row) if row.rag == scal_domain::template::Rag::Red => {
            let given = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
            let verdict = scal_domain::check::red_rule(
                row.requirement.level,
                given(&row.justification),
                given(&row.mitigation),
                row.target_date.as_deref(),
            );
            if verdict.blocking {
                Notice::AnswerSavedButBlocks
            } else {
                Notice::AnswerSaved
            }
        }
        _ => Notice::AnswerSaved,
    };
    match saved {
        Ok(_) if form.then.as_deref() == Some("next") && notice == Notice::AnswerSavedButBlocks => Ok(done(
            &state,
            &format!(
                "/scals/{id}/sheets/{sheet_id}/requirements/{}",
                urlencoding::encode(requirement_id.trim())
            ),
            notice,
        )),
        Ok(_) if form.then.as_deref() == Some("next") => {
            let view = scal_app::scals::view_scal(&state.app, &session.actor, &id).await?;
            let next = view
                .sheets
                .iter()
                .find(|s| s.id == sheet_id)
                .and_then(|sheet| next_unanswered(sheet, requirement_id.trim()));
            Ok(match next {
                Some(next) => done(
                    &state,
                    &format!(
                        "/scals/{id}/sheets/{sheet_id}/requirements/{}",
                        urlencoding::encode(next)
                    ),
                    Notice::AnswerSaved,
                ),
                None => done(&state, &format!("/scals/{id}/sheets/{sheet_id}"), Notice::SheetAnswered),
            })
        }
        Ok(_) => Ok(done(
            &state,
            &sheet_href_for(&view, &sheet_id, &urlencoding::encode(requirement_id.trim())),
            notice,
        )),
        // The sheet or requirement is not in this SCAL: the page does not exist.
        Err(AppError::Invalid(invalid))
            if invalid
                .0
                .iter()
                .any(|e| e.field == "sheet_id" || e.field == "requirement_id") =>
        {
            Err(PageError::not_found())
        }
        Err(AppError::Invalid(invalid)) => {
            requirement_page(
                &state,
                &session,
                (&id, &sheet_id, &requirement_id),
                Some(&form),
                &invalid.0,
            )
            .await
        }
        Err(other) => Err(refusal(other)),
    }
}

/// "Check your answers": each sheet's progress and its red and amber items, what still blocks
/// submission, and the submit button.
/// Where a blocker is put right: the question, the step, or the information sheet.
fn blocker_href(view: &ScalView, cases: &[CaseView], blocker: &Blocker) -> Option<String> {
    let scal_id = &view.scal.id;
    match &blocker.at {
        BlockerAt::Requirement { sheet, requirement_id } => {
            let sheet = view.sheets.iter().find(|s| s.name == *sheet)?;
            Some(if requirement_id.is_empty() {
                format!("/scals/{scal_id}/sheets/{}", sheet.id)
            } else {
                format!(
                    "/scals/{scal_id}/sheets/{}/requirements/{}",
                    sheet.id,
                    urlencoding::encode(requirement_id)
                )
            })
        }
        BlockerAt::Step { service, step } => {
            let case = cases.iter().find(|c| c.service.code.as_str() == service)?;
            let status = case.steps.iter().find(|s| s.step.number() == *step)?;
            let href = step_href(view, case, status.step).unwrap_or_else(|| format!("#case-{service}"));
            Some(if href.starts_with('#') {
                format!("/scals/{scal_id}{href}")
            } else {
                href
            })
        }
        BlockerAt::Information => view
            .information_sheet()
            .map(|s| format!("/scals/{scal_id}/sheets/{}", s.id)),
        BlockerAt::Sheet { sheet } => view
            .sheets
            .iter()
            .find(|s| s.name == *sheet)
            .map(|s| format!("/scals/{scal_id}/sheets/{}", s.id)),
    }
}

/// The declaration a supplier makes by submitting.
const DECLARATION: &str =
    "I confirm that these answers are accurate and complete, and that NHS England may rely on them to assure the product.";

/// "Check your answers": what still blocks submission (each a link to where it is fixed), each
/// sheet's progress, red and amber items and every answer with a Change link, then the
/// declaration and the submit button, which is offered only once nothing blocks.
fn check_page(
    session: &CurrentSession,
    view: &ScalView,
    cases: &[CaseView],
    blockers: &[Blocker],
    errors: &[FieldError],
) -> Markup {
    let editable = editable(session, view);
    let scal_id = &view.scal.id;
    let link = |blocker: &Blocker| -> Markup {
        match blocker_href(view, cases, blocker) {
            Some(href) => html! { a href=(href) { (blocker.message) } },
            None => html! { (blocker.message) },
        }
    };
    let content = html! {
        (back_link(&format!("/scals/{scal_id}"), "Back to the SCAL"))
        @if editable && !blockers.is_empty() {
            div class="nhsuk-error-summary" tabindex="-1" autofocus {
                div role="alert" {
                    h2 class="nhsuk-error-summary__heading" { "You cannot submit this SCAL yet" }
                    div class="nhsuk-error-summary__body" {
                        p { (blockers.len()) @if blockers.len() == 1 { " thing to do first:" } @else { " things to do first:" } }
                        ul class="nhsuk-list nhsuk-error-summary__list" {
                            @for blocker in blockers { li { (link(blocker)) } }
                        }
                    }
                }
            }
        } @else {
            (error_summary(errors))
        }
        span class="nhsuk-caption-l" { (product_name(view)) }
        h1 class="nhsuk-heading-xl" { "Check your answers before submitting" }
        @if !editable && !blockers.is_empty() {
            h2 class="nhsuk-heading-m" { "Not ready to submit" }
            ul class="nhsuk-list nhsuk-list--bullet" {
                @for blocker in blockers { li { (link(blocker)) } }
            }
        }
        @for sheet in &view.sheets {
            @let href = format!("/scals/{scal_id}/sheets/{}", sheet.id);
            h2 class="nhsuk-heading-m" { (sheet.name) }
            (summary_list(&[
                ("Answered", html! { (sheet.summary.answered()) " of " (sheet.summary.total()) }, editable.then_some((href.as_str(), "answers"))),
                ("Red", html! { (sheet.summary.red) }, None),
                ("Amber", html! { (sheet.summary.amber) }, None),
            ]))
            @let flagged: Vec<&RequirementView> = sheet.requirements.iter()
                .filter(|r| matches!(r.rag, scal_domain::template::Rag::Red | scal_domain::template::Rag::Amber)).collect();
            @if !flagged.is_empty() {
                (data_table(&format!("Red and amber items in {}", sheet.name), Caption::Small, html! {
                    thead class="nhsuk-table__head" {
                        tr class="nhsuk-table__row" {
                            th class="nhsuk-table__header" scope="col" { "Requirement" }
                            th class="nhsuk-table__header" scope="col" { "Justification" }
                            th class="nhsuk-table__header" scope="col" { "Mitigation" }
                        }
                    }
                    tbody class="nhsuk-table__body" {
                        @for row in flagged {
                            tr class="nhsuk-table__row" {
                                td class="nhsuk-table__cell" {
                                    a href=(format!("{href}/requirements/{}", row.requirement.id)) { code { (row.requirement.id) } }
                                    " " (rag_tag(row.rag))
                                }
                                td class="nhsuk-table__cell" { (row.justification.clone().unwrap_or_else(|| "None given".into())) }
                                td class="nhsuk-table__cell" { (row.mitigation.clone().unwrap_or_else(|| "None given".into())) }
                            }
                        }
                    }
                }))
            }
        }
        @for sheet in &view.sheets {
            @let href = format!("/scals/{scal_id}/sheets/{}", sheet.id);
            details class="nhsuk-details" {
                summary class="nhsuk-details__summary" {
                    span class="nhsuk-details__summary-text" { "Every answer in " (sheet.name) " (" (sheet.requirements.len()) ")" }
                }
                div class="nhsuk-details__text" {
                    dl class="nhsuk-summary-list" {
                        @for row in &sheet.requirements {
                            @let change = format!("{href}/requirements/{}", urlencoding::encode(&row.requirement.id));
                            div class="nhsuk-summary-list__row" {
                                dt class="nhsuk-summary-list__key" { span class="scal-id" { (row.requirement.id) } }
                                dd class="nhsuk-summary-list__value" {
                                    @match row.answer.as_deref().filter(|a| !a.trim().is_empty()) {
                                        Some(answer) => { (answer) " " (rag_tag(row.rag)) }
                                        None => { "Not answered" }
                                    }
                                    @if let Some(j) = &row.justification { br; span class="nhsuk-hint scal-pre-line" { (j) } }
                                }
                                dd class="nhsuk-summary-list__actions" {
                                    @if editable {
                                        a href=(change) { "Change" span class="nhsuk-u-visually-hidden" { " the answer to " (row.requirement.id) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @for case in cases {
            h2 class="nhsuk-heading-m" { (case.service.name) }
            (summary_list(&[
                ("Use case", html! { (case.use_case.clone().unwrap_or_else(|| "Not declared".into())) }, None),
                ("Steps", html! {
                    ul class="nhsuk-list nhsuk-u-margin-bottom-0" {
                        @for s in &case.steps { li { (s.step.number()) ". " (s.step.name()) " " (state_tag(s.state)) } }
                    }
                }, None),
            ]))
        }
        @if editable && blockers.is_empty() {
            @let error = errors.iter().find(|e| e.field == "declaration").map(|e| e.message.as_str());
            h2 class="nhsuk-heading-m" { "Now submit the SCAL" }
            p class="nhsuk-body" {
                "Submitting sends this round to NHS England for review. You cannot change the SCAL until NHS England returns it."
            }
            form method="post" action=(format!("/scals/{scal_id}/submit")) novalidate {
                (csrf(&session.csrf_token))
                div class={ "nhsuk-form-group" @if error.is_some() { " nhsuk-form-group--error" } } {
                    fieldset class="nhsuk-fieldset" aria-describedby=[error.map(|_| "declaration-error")] {
                        legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s" { "Declaration" }
                        @if let Some(error) = error {
                            span class="nhsuk-error-message" id="declaration-error" {
                                span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                            }
                        }
                        div class="nhsuk-checkboxes" {
                            div class="nhsuk-checkboxes__item" {
                                input class="nhsuk-checkboxes__input" id="declaration" name="declaration" type="checkbox" value="confirmed";
                                label class="nhsuk-label nhsuk-checkboxes__label" for="declaration" { (DECLARATION) }
                            }
                        }
                    }
                }
                (button("Submit the SCAL"))
            }
        } @else if view.locked() {
            (inset(html! { "This SCAL has been submitted and is with NHS England." }))
        }
    };
    page(
        "Check your answers before submitting",
        &Chrome::signed_in(session, Nav::Products),
        editable && (!blockers.is_empty() || !errors.is_empty()),
        content,
    )
}

/// The confirmation page after submitting: the reference, the round and what happens next.
pub async fn submitted(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let view = scal_app::scals::view_scal(&state.app, &session.actor, &id).await?;
    // The confirmation is the submitter's; anyone else (NHS England) is sent to the SCAL itself.
    let supplier = authorize(&session.actor, Action::AnswerScal, Some(&view.product.org_id)).is_ok();
    let Some(round) = view.rounds.last().filter(|r| r.status == "submitted" && supplier) else {
        return Ok(see_other(&format!("/scals/{id}")));
    };
    let content = html! {
        div class="nhsuk-panel" {
            h1 class="nhsuk-panel__heading" { "SCAL submitted" }
            div class="nhsuk-panel__body" {
                "Your reference" br; strong { (super::enquiries::reference("SUB", &round.id)) }
                br; "Round " (round.round)
            }
        }
        p class="nhsuk-body" { "You submitted the SCAL for " (product_name(&view)) " on " (date_time(round.submitted_at)) "." }
        h2 class="nhsuk-heading-m" { "What happens next" }
        ol class="nhsuk-list nhsuk-list--number" {
            li { "NHS England reviews your answers. They may ask you questions about them." }
            li { "While they review it you cannot change your answers." }
            li { "You get a notification when they accept it or return it to you with the changes they need." }
        }
        p class="nhsuk-body" { a href=(format!("/scals/{id}")) { "View the SCAL" } }
    };
    Ok(page(
        "SCAL submitted",
        &Chrome::signed_in(&session, Nav::Products),
        false,
        content,
    )
    .into_response())
}

pub async fn check_answers(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let now = state.now();
    let (view, cases) = scal_app::cases::cases(&state.app, &session.actor, &id, now).await?;
    let blockers = if view.locked() {
        Vec::new()
    } else {
        scal_app::submissions::blockers(&view, &cases, now)
    };
    Ok(check_page(&session, &view, &cases, &blockers, &[]).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct SubmitForm {
    #[serde(default)]
    declaration: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<SubmitForm>,
) -> PageResult {
    // The gate (in the service) first, so a blocked SCAL lists its blockers whatever was ticked.
    let now = state.now();
    let (view, cases) = scal_app::cases::cases(&state.app, &session.actor, &id, now).await?;
    let blockers = scal_app::submissions::blockers(&view, &cases, now);
    let mut errors = Vec::new();
    if blockers.is_empty() && !view.locked() && form.declaration.as_deref() != Some("confirmed") {
        authorize(&session.actor, Action::AnswerScal, Some(&view.product.org_id)).map_err(AppError::from)?;
        errors.push(FieldError::new(
            "declaration",
            "Confirm that the answers are accurate and complete",
        ));
    }
    let outcome = if errors.is_empty() {
        scal_app::submissions::submit(&state.app, &session.actor, &id, now).await
    } else {
        Err(AppError::Invalid(scal_domain::Invalid(errors.clone())))
    };
    match outcome {
        Ok(_) => Ok(see_other(&format!("/scals/{id}/submitted"))),
        Err(AppError::Invalid(_)) => {
            // Blockers read again: the service's gate may have seen a change since.
            let (view, cases) = scal_app::cases::cases(&state.app, &session.actor, &id, now).await?;
            let blockers = scal_app::submissions::blockers(&view, &cases, now);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                check_page(&session, &view, &cases, &blockers, &errors),
            )
                .into_response())
        }
        Err(other) => Err(refusal(other)),
    }
}
