//! Technical conformance testing of an accepted SCAL: the testing page (per service, its status
//! and each test case's latest witness-test result; the supplier and NHS England see it), and
//! NHS England's question page recording one test case's result.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::testing::{CaseTestingView, ResultInput, ScalTesting, TestCaseView};
use scal_app::AppError;
use scal_domain::policy::{authorize, Action};
use scal_domain::testing::{TestOutcome, TestingStatus};
use scal_domain::FieldError;
use scal_store::records::evidence::EvidenceRecord;

use super::layout::{
    back_link, button, csrf, data_table, date_time, error_summary, inset, page, plural, tag, textarea, Caption, Chrome,
    Nav,
};
use super::{done, form_page, FormOutcome};
use crate::extract::PageForm;
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;
type Pairs = Vec<(String, String)>;

/// A case's testing status as a tag, the same words and colour everywhere.
pub(crate) fn status_tag(status: TestingStatus) -> Markup {
    let colour = match status {
        TestingStatus::NotRequired | TestingStatus::NoTestCases => "grey",
        TestingStatus::NotStarted => "white",
        TestingStatus::InProgress { .. } => "blue",
        TestingStatus::Complete => "green",
    };
    tag(status.label(), colour)
}

fn outcome_tag(outcome: TestOutcome) -> Markup {
    let colour = match outcome {
        TestOutcome::Passed => "green",
        TestOutcome::RemedialActionNeeded => "red",
        TestOutcome::NotApplicable => "grey",
    };
    tag(outcome.label(), colour)
}

fn result_href(scal_id: &str, case: &CaseTestingView, test: &TestCaseView) -> String {
    format!(
        "/scals/{scal_id}/testing/{}/{}",
        case.service.code.as_str(),
        urlencoding::encode(&test.id)
    )
}

fn case_section(testing: &ScalTesting, case: &CaseTestingView, may_record: bool) -> Markup {
    let scal_id = &testing.scal.id;
    let code = case.service.code.as_str();
    html! {
        h2 class="nhsuk-heading-l" id=(format!("case-{code}")) { (case.service.name) " " (status_tag(case.status)) }
        @match case.status {
            TestingStatus::NotRequired => p class="nhsuk-body" { "This service needs no technical conformance testing." },
            TestingStatus::NoTestCases => p class="nhsuk-body" { "The requirements for this service name no test cases, so there is nothing to test." },
            TestingStatus::InProgress { passed, remedial, not_applicable, outstanding } => p class="nhsuk-body" {
                (passed) " passed, " (remedial) " remedial action needed, " (not_applicable) " not applicable, "
                (outstanding) " without a result."
            },
            TestingStatus::NotStarted => p class="nhsuk-body" {
                (plural(case.test_cases.len(), "test case", "test cases")) ", none witnessed yet."
            },
            TestingStatus::Complete => p class="nhsuk-body" { "Every test case has passed or does not apply." },
        }
        @if !case.test_cases.is_empty() && case.status != TestingStatus::NotRequired {
            (data_table(&format!("Test cases of {}", case.service.name), Caption::Hidden, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "Test case" }
                        th class="nhsuk-table__header" scope="col" { "Result" }
                        th class="nhsuk-table__header" scope="col" { "Recorded" }
                        th class="nhsuk-table__header" scope="col" { "Evidence" }
                        @if may_record { th class="nhsuk-table__header" scope="col" { span class="nhsuk-u-visually-hidden" { "Actions" } } }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for test in &case.test_cases {
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" {
                                code { (test.id) }
                                br;
                                span class="nhsuk-body-s nhsuk-u-secondary-text-colour" {
                                    (plural(test.requirements.len(), "requirement", "requirements")) ": " (test.requirements.join(", "))
                                }
                            }
                            td class="nhsuk-table__cell" {
                                @match &test.result {
                                    Some(result) => {
                                        (outcome_tag(result.outcome))
                                        @if let Some(what) = &result.remedial_action {
                                            p class="nhsuk-body-s scal-pre-line nhsuk-u-margin-top-2 nhsuk-u-margin-bottom-0" { (what) }
                                        }
                                    }
                                    None => "No result yet",
                                }
                            }
                            td class="nhsuk-table__cell" {
                                @if let Some(result) = &test.result {
                                    (result.recorded_by) br; (date_time(result.recorded_at))
                                }
                            }
                            td class="nhsuk-table__cell" {
                                @if let Some(result) = &test.result {
                                    @for file in &result.evidence {
                                        a href=(format!("/evidence/{}", file.id)) { (file.file_name) } br;
                                    }
                                }
                            }
                            @if may_record {
                                td class="nhsuk-table__cell" {
                                    a href=(result_href(scal_id, case, test)) {
                                        "Record result" span class="nhsuk-u-visually-hidden" { " of " (test.id) }
                                    }
                                }
                            }
                        }
                    }
                }
            }))
        }
    }
}

fn testing_markup(session: &CurrentSession, testing: &ScalTesting) -> Markup {
    let scal_id = &testing.scal.id;
    let name = testing.product.details.title();
    let may_record = testing.accepted_round.is_some()
        && authorize(&session.actor, Action::RecordTestResults, Some(&testing.product.org_id)).is_ok();
    let incomplete = testing.incomplete();
    let content = html! {
        (back_link(&format!("/scals/{scal_id}"), "Back to the SCAL"))
        span class="nhsuk-caption-l" { (name) }
        h1 class="nhsuk-heading-xl" { "Technical conformance testing" }
        p class="nhsuk-body" {
            "NHS England witnesses a test of each test case the requirements name, for every service that needs testing. "
            "Testing is complete when every test case has passed or does not apply."
        }
        @match testing.accepted_round {
            None => (inset(html! { p class="nhsuk-body" { "Testing starts once NHS England accepts the SCAL." } })),
            Some(round) if incomplete.is_empty() => (inset(html! {
                p class="nhsuk-body" { "Testing of the accepted SCAL (round " (round) ") is complete." }
            })),
            Some(round) => (inset(html! {
                p class="nhsuk-body" {
                    "Testing of the accepted SCAL (round " (round) "): "
                    (plural(incomplete.len(), "test case still needs", "test cases still need"))
                    " a pass or not applicable."
                }
            })),
        }
        @if testing.cases.is_empty() {
            p class="nhsuk-body" { "This SCAL covers no services." }
        }
        @for case in &testing.cases {
            (case_section(testing, case, may_record))
        }
    };
    page(
        &format!("Technical conformance testing of {name}"),
        &Chrome::signed_in(session, Nav::Products),
        false,
        content,
    )
}

pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    let testing = scal_app::testing::for_scal(&state.app, &session.actor, &id).await?;
    Ok(testing_markup(&session, &testing).into_response())
}

/// The case and test case a question page is about, for someone who may record it: not found for
/// an unknown service or test case, refused before acceptance (as the service refuses).
fn question_subject<'t>(
    session: &CurrentSession,
    testing: &'t ScalTesting,
    service: &str,
    test_case: &str,
) -> Result<(&'t CaseTestingView, &'t TestCaseView), PageError> {
    let case = testing.case(service).ok_or(AppError::NotFound)?;
    let test = case.test_case(test_case).ok_or(AppError::NotFound)?;
    authorize(&session.actor, Action::RecordTestResults, Some(&testing.product.org_id)).map_err(AppError::from)?;
    if testing.accepted_round.is_none() {
        return Err(
            AppError::Conflict("Test results are recorded once NHS England has accepted the SCAL".into()).into(),
        );
    }
    Ok((case, test))
}

struct Form<'a> {
    outcome: &'a str,
    remedial_action: &'a str,
    evidence_ids: Vec<&'a str>,
}

fn question_markup(
    session: &CurrentSession,
    testing: &ScalTesting,
    (case, test): (&CaseTestingView, &TestCaseView),
    files: &[EvidenceRecord],
    form: &Form<'_>,
    errors: &[FieldError],
) -> Markup {
    let scal_id = &testing.scal.id;
    let code = case.service.code.as_str();
    let heading = format!("What was the result of {}?", test.id);
    let outcome_error = errors.iter().find(|e| e.field == "outcome").map(|e| e.message.as_str());
    let evidence_error = errors
        .iter()
        .find(|e| e.field == "evidence_ids")
        .map(|e| e.message.as_str());
    // Errors about the address's service or test case have no field on the form: shown above it.
    let other: Vec<&FieldError> = errors
        .iter()
        .filter(|e| matches!(e.field.as_str(), "service" | "test_case_id"))
        .collect();
    let content = html! {
        (back_link(&format!("/scals/{scal_id}/testing#case-{code}"), "Back to testing"))
        (error_summary(errors))
        @for error in &other {
            p class="nhsuk-error-message" id=(error.field) { (error.message) }
        }
        form method="post" action=(format!("/scals/{scal_id}/testing/{code}/{}", urlencoding::encode(&test.id))) novalidate {
            (csrf(&session.csrf_token))
            div class={ "nhsuk-form-group" @if outcome_error.is_some() { " nhsuk-form-group--error" } } {
                fieldset class="nhsuk-fieldset" aria-describedby={ "outcome-hint" @if outcome_error.is_some() { " outcome-error" } } {
                    legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--l" {
                        span class="nhsuk-caption-l" { (testing.product.details.title()) ", " (case.service.name) }
                        h1 class="nhsuk-fieldset__heading" { (heading) }
                    }
                    div class="nhsuk-hint" id="outcome-hint" {
                        "The witness test of " (test.id) ", named by "
                        (plural(test.requirements.len(), "requirement", "requirements")) ": " (test.requirements.join(", ")) "."
                    }
                    @if let Some(error) = outcome_error {
                        span class="nhsuk-error-message" id="outcome-error" {
                            span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                        }
                    }
                    div class="nhsuk-radios" {
                        @for (i, outcome) in TestOutcome::ALL.iter().enumerate() {
                            @let id = if i == 0 { "outcome".to_string() } else { format!("outcome-{}", i + 1) };
                            div class="nhsuk-radios__item" {
                                input class="nhsuk-radios__input" id=(id) name="outcome" type="radio" value=(outcome.as_str())
                                    checked[form.outcome == outcome.as_str()];
                                label class="nhsuk-label nhsuk-radios__label" for=(id) { (outcome.label()) }
                            }
                        }
                    }
                }
            }
            (textarea("remedial_action", "What remedial action is needed", form.remedial_action, errors,
                Some("Only if remedial action is needed: what the supplier must put right. The supplier is told.")))
            div class={ "nhsuk-form-group" @if evidence_error.is_some() { " nhsuk-form-group--error" } } {
                fieldset class="nhsuk-fieldset" aria-describedby={ "evidence_ids-hint" @if evidence_error.is_some() { " evidence_ids-error" } } {
                    legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s" { "Evidence (optional)" }
                    div class="nhsuk-hint" id="evidence_ids-hint" {
                        @if files.is_empty() {
                            "The supplier has uploaded no evidence files."
                        } @else {
                            "Files from the supplier's evidence that show the result."
                        }
                    }
                    @if let Some(error) = evidence_error {
                        span class="nhsuk-error-message" id="evidence_ids-error" {
                            span class="nhsuk-u-visually-hidden" { "Error:" } " " (error)
                        }
                    }
                    @if !files.is_empty() {
                        div class="nhsuk-checkboxes" {
                            @for (i, file) in files.iter().enumerate() {
                                @let id = if i == 0 { "evidence_ids".to_string() } else { format!("evidence_ids-{}", i + 1) };
                                div class="nhsuk-checkboxes__item" {
                                    input class="nhsuk-checkboxes__input" id=(id) name="evidence_ids" type="checkbox" value=(file.id)
                                        checked[form.evidence_ids.contains(&file.id.as_str())];
                                    label class="nhsuk-label nhsuk-checkboxes__label" for=(id) { (file.file_name) }
                                }
                            }
                        }
                    }
                }
            }
            (button("Save result"))
        }
    };
    page(
        &heading,
        &Chrome::signed_in(session, Nav::Products),
        !errors.is_empty(),
        content,
    )
}

pub async fn question(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, service, test_case)): Path<(String, String, String)>,
) -> PageResult {
    let testing = scal_app::testing::for_scal(&state.app, &session.actor, &id).await?;
    let subject = question_subject(&session, &testing, &service, &test_case)?;
    let files = scal_app::evidence::list(&state.app, &session.actor, &id).await?;
    let form = match &subject.1.result {
        Some(result) => Form {
            outcome: result.outcome.as_str(),
            remedial_action: result.remedial_action.as_deref().unwrap_or_default(),
            evidence_ids: result.evidence.iter().map(|f| f.id.as_str()).collect(),
        },
        None => Form {
            outcome: "",
            remedial_action: "",
            evidence_ids: Vec::new(),
        },
    };
    Ok(question_markup(&session, &testing, subject, &files, &form, &[]).into_response())
}

pub async fn record(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, service, test_case)): Path<(String, String, String)>,
    PageForm(pairs): PageForm<Pairs>,
) -> PageResult {
    let field = |name: &str| pairs.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str());
    let evidence_ids: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "evidence_ids")
        .map(|(_, v)| v.as_str())
        .collect();
    let input = ResultInput {
        outcome: field("outcome").into(),
        remedial_action: field("remedial_action").into(),
        evidence_ids: evidence_ids.iter().map(|s| s.to_string()).collect(),
    };
    match scal_app::testing::record(
        &state.app,
        &session.actor,
        &id,
        &service,
        &test_case,
        &input,
        state.now(),
    )
    .await
    .map_err(FormOutcome::from)
    {
        Ok(after) => {
            let code = after
                .case(&service)
                .map_or(service.clone(), |c| c.service.code.as_str().to_string());
            let notice = if after.complete() {
                Notice::TestingComplete
            } else {
                Notice::TestResultSaved
            };
            Ok(done(&state, &format!("/scals/{id}/testing#case-{code}"), notice))
        }
        Err(FormOutcome::Errors(errors)) => {
            let testing = scal_app::testing::for_scal(&state.app, &session.actor, &id).await?;
            let subject = question_subject(&session, &testing, &service, &test_case)?;
            let files = scal_app::evidence::list(&state.app, &session.actor, &id).await?;
            let form = Form {
                outcome: field("outcome"),
                remedial_action: field("remedial_action"),
                evidence_ids,
            };
            Ok(form_page(
                question_markup(&session, &testing, subject, &files, &form, &errors),
                &errors,
            ))
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}
