//! "What changed since round N": a submitted round compared with the one before it, only what
//! changed, each requirement linking to where it is in the SCAL.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_domain::onboarding::{Step, StepState};
use scal_domain::snapshot::{EvidenceChange, Field, FieldChange, Presence};
use scal_domain::template::Level;

use super::layout::{back_link, data_table, page, plural, tag, Caption, Chrome, Nav};
use super::onboarding::sheet_href_for;
use super::scals::rag_tag;
use crate::session::PageActor;
use crate::{AppState, PageError};

/// A field's value as people read it: a level by its keyword, nothing as "nothing".
fn value(field: Field, value: Option<&str>) -> Markup {
    match value {
        None => html! { em { "nothing" } },
        Some(raw) if field == Field::Level => {
            html! { (Level::parse_stored(raw).map_or_else(|_| raw.to_string(), |l| l.plain().to_string())) }
        }
        Some(text) => html! { q class="scal-pre-line" { (text) } },
    }
}

fn field_change(change: &FieldChange) -> Markup {
    html! {
        li {
            strong { (change.field.label()) ": " }
            "was " (value(change.field, change.before.as_deref()))
            ", now " (value(change.field, change.after.as_deref()))
        }
    }
}

/// The first 12 hex digits of a SHA-256: enough to tell two files apart by eye.
fn short(sha256: &str) -> &str {
    sha256.get(..12).unwrap_or(sha256)
}

fn evidence_change(change: &EvidenceChange) -> Markup {
    html! {
        li {
            strong { "File " (change.name()) ": " }
            @match change {
                EvidenceChange::Added { sha256, .. } => { "linked (SHA-256 " code { (short(sha256)) } "…)" }
                EvidenceChange::Removed { sha256, .. } => { "no longer linked (SHA-256 " code { (short(sha256)) } "…)" }
                EvidenceChange::Replaced { before, after, .. } => {
                    "replaced by a file of the same name with other content (SHA-256 was "
                    code { (short(before)) } "…, now " code { (short(after)) } "…)"
                }
            }
        }
    }
}

fn presence_tag(presence: Presence) -> Markup {
    match presence {
        Presence::Added => tag("New in this round", "blue"),
        Presence::Removed => tag("No longer in the SCAL", "grey"),
        Presence::Changed => html! {},
    }
}

fn step_state(state: Option<StepState>) -> &'static str {
    state.map_or("no case", StepState::label)
}

fn step_name(number: u8) -> String {
    Step::ALL
        .get(usize::from(number).saturating_sub(1))
        .map_or_else(|| format!("Step {number}"), |s| format!("{number}. {}", s.name()))
}

pub async fn show(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let changes = scal_app::changes::of_round(&state.app, &session.actor, &id).await?;
    let s = &changes.submission.submission;
    // Where each requirement is now, to link to it.
    let scal = scal_app::scals::view_scal(&state.app, &session.actor, &s.scal_id).await?;
    let href = |sheet: &str, requirement: &str| {
        scal.sheets
            .iter()
            .find(|v| v.name == sheet)
            .filter(|v| v.requirements.iter().any(|r| r.requirement.id == requirement))
            .map(|v| sheet_href_for(&scal, &v.id, requirement))
    };
    let name = changes.submission.product.details.title();
    let title = match &changes.previous {
        Some((_, round)) => format!("What changed since round {round}"),
        None => "What changed since the last round".to_string(),
    };
    let content = html! {
        (back_link(&format!("/submissions/{}", s.id), &format!("Back to round {}", s.round)))
        span class="nhsuk-caption-l" { (name) ", round " (s.round) }
        h1 class="nhsuk-heading-xl" { (title) }
        @match (&changes.previous, &changes.diff) {
            (Some((previous_id, previous)), Some(diff)) => {
                p class="nhsuk-body" {
                    "Round " (s.round) " compared with "
                    a href=(format!("/submissions/{previous_id}")) { "round " (previous) }
                    ", both as submitted."
                }
                @if diff.is_empty() {
                    p class="nhsuk-body" { "Nothing changed since round " (previous) "." }
                } @else {
                    p class="nhsuk-body" {
                        (plural(diff.items.len(), "requirement", "requirements")) " changed"
                        @if !diff.cases.is_empty() { ", " (plural(diff.cases.len(), "service", "services")) " changed" }
                        @if !diff.scoped_out.is_empty() { ", and what is scoped out changed" }
                        "."
                    }
                }
                @if !diff.items.is_empty() {
                    (data_table("Requirements that changed", Caption::Shown, html! {
                        thead class="nhsuk-table__head" {
                            tr class="nhsuk-table__row" {
                                th class="nhsuk-table__header" scope="col" { "Requirement" }
                                th class="nhsuk-table__header" scope="col" { "Colour" }
                                th class="nhsuk-table__header" scope="col" { "What changed" }
                            }
                        }
                        tbody class="nhsuk-table__body" {
                            @for item in &diff.items {
                                tr class="nhsuk-table__row" id=(format!("change-{}", item.id)) {
                                    td class="nhsuk-table__cell" {
                                        @match href(&item.sheet, &item.id) {
                                            Some(link) => { a href=(link) { code { (item.id) } } }
                                            None => { code { (item.id) } }
                                        }
                                        br; span class="nhsuk-hint nhsuk-u-font-size-16" { (item.sheet) }
                                        @if item.presence != Presence::Changed { br; (presence_tag(item.presence)) }
                                    }
                                    td class="nhsuk-table__cell" {
                                        @match (item.rag_before, item.rag_after) {
                                            (Some(before), Some(after)) if before != after => {
                                                "was " (rag_tag(before)) br; "now " (rag_tag(after))
                                            }
                                            (_, Some(after)) => { (rag_tag(after)) }
                                            (Some(before), None) => { "was " (rag_tag(before)) }
                                            (None, None) => {}
                                        }
                                    }
                                    td class="nhsuk-table__cell" {
                                        ul class="nhsuk-list nhsuk-u-margin-bottom-0" {
                                            @for change in &item.fields { (field_change(change)) }
                                            @for change in &item.evidence { (evidence_change(change)) }
                                        }
                                    }
                                }
                            }
                        }
                    }))
                }
                @if !diff.scoped_out.is_empty() {
                    (data_table("Requirements scoped out", Caption::Shown, html! {
                        thead class="nhsuk-table__head" {
                            tr class="nhsuk-table__row" {
                                th class="nhsuk-table__header" scope="col" { "Sheet" }
                                th class="nhsuk-table__header" scope="col" { "Now scoped out" }
                                th class="nhsuk-table__header" scope="col" { "No longer scoped out" }
                            }
                        }
                        tbody class="nhsuk-table__body" {
                            @for scope in &diff.scoped_out {
                                tr class="nhsuk-table__row" {
                                    td class="nhsuk-table__cell" { (scope.sheet) }
                                    td class="nhsuk-table__cell" {
                                        ul class="nhsuk-list nhsuk-u-margin-bottom-0" {
                                            @for (id, reason) in &scope.added { li { code { (id) } ": " (reason) } }
                                        }
                                    }
                                    td class="nhsuk-table__cell" {
                                        ul class="nhsuk-list nhsuk-u-margin-bottom-0" {
                                            @for (id, reason) in &scope.removed { li { code { (id) } ": " (reason) } }
                                        }
                                    }
                                }
                            }
                        }
                    }))
                }
                @if !diff.cases.is_empty() {
                    (data_table("Services and their steps", Caption::Shown, html! {
                        thead class="nhsuk-table__head" {
                            tr class="nhsuk-table__row" {
                                th class="nhsuk-table__header" scope="col" { "Service" }
                                th class="nhsuk-table__header" scope="col" { "What changed" }
                            }
                        }
                        tbody class="nhsuk-table__body" {
                            @for case in &diff.cases {
                                tr class="nhsuk-table__row" {
                                    td class="nhsuk-table__cell" {
                                        (case.service)
                                        @if case.presence != Presence::Changed { br; (presence_tag(case.presence)) }
                                    }
                                    td class="nhsuk-table__cell" {
                                        ul class="nhsuk-list nhsuk-u-margin-bottom-0" {
                                            @if let Some((before, after)) = &case.use_case {
                                                li {
                                                    strong { "Use case: " }
                                                    "was " (value(Field::Answer, before.as_deref()))
                                                    ", now " (value(Field::Answer, after.as_deref()))
                                                }
                                            }
                                            @for step in &case.steps {
                                                li {
                                                    strong { (step_name(step.number)) ": " }
                                                    "was " (step_state(step.before)) ", now " (step_state(step.after))
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }))
                }
            }
            _ => {
                p class="nhsuk-body" { "This is the first round: there is no earlier round to compare it with." }
            }
        }
    };
    Ok(page(
        &format!("{title}: {name}"),
        &Chrome::signed_in(&session, Nav::Submissions),
        false,
        content,
    )
    .into_response())
}
