//! NHS England's review of a round, page by page: the round's items (filtered by changed, red,
//! amber or not reviewed), one item at a time with its verdict form and next and previous, a
//! check-your-review page before accepting or returning, and the supplier's withdrawal.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::review::{RoundItem, RoundReview, VerdictInput};
use scal_app::AppError;
use scal_domain::policy::{authorize, Action};
use scal_domain::review::{Decision, RoundStatus, Verdict};
use scal_domain::template::Rag;
use scal_domain::FieldError;
use serde::Deserialize;

use super::layout::{
    back_link, button, csrf, data_table, error_summary, page, plural, radios, summary_list, tag, text_input, textarea,
    Caption, Chrome, InputOptions, Nav,
};
use super::scals::rag_tag;
use super::{done, form_page, FormOutcome};
use crate::extract::{PageForm, PageQuery};
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

/// Condition rows a verdict form offers (blank rows are ignored).
const CONDITION_ROWS: usize = 3;

/// Which items the list and the next and previous links go through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Show {
    #[default]
    All,
    Changed,
    Red,
    Amber,
    Unreviewed,
    /// Items with a question thread not yet resolved.
    Threads,
}

impl Show {
    const ALL: [Show; 6] = [
        Self::All,
        Self::Changed,
        Self::Red,
        Self::Amber,
        Self::Unreviewed,
        Self::Threads,
    ];

    fn code(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Changed => "changed",
            Self::Red => "red",
            Self::Amber => "amber",
            Self::Unreviewed => "unreviewed",
            Self::Threads => "threads",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::All => "All items",
            Self::Changed => "Changed since the last round",
            Self::Red => "Red",
            Self::Amber => "Amber",
            Self::Unreviewed => "Not reviewed",
            Self::Threads => "With open questions",
        }
    }

    fn parse(raw: Option<&str>) -> Self {
        Self::ALL
            .into_iter()
            .find(|s| Some(s.code()) == raw)
            .unwrap_or_default()
    }

    fn includes(self, review: &RoundReview, open: &OpenThreads, item: &RoundItem) -> bool {
        match self {
            Self::Threads => open.contains(&item.key()),
            Self::All => true,
            Self::Changed => review.changed.as_ref().is_none_or(|c| c.contains(&item.key())),
            Self::Red => item.rag == Rag::Red,
            Self::Amber => item.rag == Rag::Amber,
            Self::Unreviewed => review.verdict(&item.key()).is_none(),
        }
    }

    /// The query string that keeps this filter on the next page.
    fn query(self) -> String {
        match self {
            Self::All => String::new(),
            other => format!("?show={}", other.code()),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    show: Option<String>,
}

/// The items with a question thread not yet resolved.
type OpenThreads = std::collections::HashSet<scal_domain::review::ItemKey>;

async fn open_threads(
    state: &AppState,
    session: &CurrentSession,
    review: &RoundReview,
) -> Result<OpenThreads, PageError> {
    Ok(
        scal_app::threads::list_for_scal(&state.app, &session.actor, &review.round.submission.scal_id)
            .await?
            .into_iter()
            .filter(|t| t.state != scal_domain::thread::ThreadState::Resolved)
            .filter_map(|t| match t.thread.subject {
                scal_domain::thread::Subject::Item { sheet, requirement_id } => {
                    Some(scal_domain::review::ItemKey::new(sheet, requirement_id))
                }
                _ => None,
            })
            .collect(),
    )
}

/// The positions (1-based, in the round's order) of the items a filter shows.
fn shown(review: &RoundReview, open: &OpenThreads, show: Show) -> Vec<usize> {
    review
        .items
        .iter()
        .enumerate()
        .filter(|(_, item)| show.includes(review, open, item))
        .map(|(i, _)| i + 1)
        .collect()
}

fn reviewer(session: &CurrentSession, review: &RoundReview) -> bool {
    authorize(
        &session.actor,
        Action::ReviewSubmission,
        Some(&review.round.product.org_id),
    )
    .is_ok()
}

fn pending(review: &RoundReview) -> bool {
    review.round.submission.round_status() == RoundStatus::Submitted
}

pub(crate) fn verdict_tag(verdict: Option<Verdict>) -> Markup {
    match verdict {
        Some(Verdict::Accepted) => tag("Accepted", "green"),
        Some(Verdict::Query) => tag("Query", "yellow"),
        Some(Verdict::NotAccepted) => tag("Not accepted", "red"),
        None => tag("Not reviewed", "grey"),
    }
}

fn item_href(id: &str, n: usize, show: Show) -> String {
    format!("/submissions/{id}/items/{n}{}", show.query())
}

/// The round's items, filtered.
pub async fn items(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<ShowQuery>,
) -> PageResult {
    let review = scal_app::review::get(&state.app, &session.actor, &id, state.now().date()).await?;
    let open = open_threads(&state, &session, &review).await?;
    let show = Show::parse(query.show.as_deref());
    let positions = shown(&review, &open, show);
    let s = &review.round.submission;
    let name = review.round.product.details.title();
    let content = html! {
        (back_link(&format!("/submissions/{id}"), "Back to the round"))
        span class="nhsuk-caption-l" { (name) ", round " (s.round) }
        h1 class="nhsuk-heading-xl" { "Review the items" }
        p class="nhsuk-body" {
            (plural(review.items.len(), "item", "items")) ", "
            (plural(review.items.len() - review.unreviewed(), "reviewed", "reviewed"))
            @if let Some(changed) = &review.changed { ", " (plural(changed.len(), "changed", "changed")) " since round " (s.round - 1) }
            "."
        }
        nav aria-label="Filter the items" {
            ul class="nhsuk-list scal-filters" {
                @for option in Show::ALL {
                    @if option != Show::Changed || review.changed.is_some() {
                        @let count = shown(&review, &open, option).len();
                        li {
                            @if option == show {
                                strong aria-current="page" { (option.label()) " (" (count) ")" }
                            } @else {
                                a href=(format!("/submissions/{id}/items{}", option.query())) { (option.label()) " (" (count) ")" }
                            }
                        }
                    }
                }
            }
        }
        @if positions.is_empty() {
            p class="nhsuk-body" { "No items match." }
        } @else {
            (data_table(&format!("{}: {}", show.label(), plural(positions.len(), "item", "items")), Caption::Shown, html! {
                thead class="nhsuk-table__head" {
                    tr class="nhsuk-table__row" {
                        th class="nhsuk-table__header" scope="col" { "Item" }
                        th class="nhsuk-table__header" scope="col" { "Answer" }
                        th class="nhsuk-table__header" scope="col" { "Verdict" }
                    }
                }
                tbody class="nhsuk-table__body" {
                    @for n in &positions {
                        @let item = &review.items[n - 1];
                        @let verdict = review.verdict(&item.key());
                        tr class="nhsuk-table__row" {
                            td class="nhsuk-table__cell" {
                                a href=(item_href(&id, *n, show)) { (item.id) }
                                br; span class="nhsuk-hint" { (item.sheet) }
                            }
                            td class="nhsuk-table__cell" {
                                (item.answer.as_deref().unwrap_or("Not answered")) " " (rag_tag(item.rag))
                            }
                            td class="nhsuk-table__cell" {
                                (verdict_tag(verdict.map(|v| v.review.verdict)))
                                @if let Some(round) = verdict.and_then(|v| v.carried_from_round) {
                                    br; span class="nhsuk-hint" { "Carried from round " (round) }
                                }
                            }
                        }
                    }
                }
            }))
        }
        @if reviewer(&session, &review) && pending(&review) {
            a class="nhsuk-button" href=(format!("/submissions/{id}/decide")) { "Check and decide" }
        }
    };
    Ok(page(
        &format!("Review the items of round {} of {name}", s.round),
        &Chrome::signed_in(&session, Nav::Submissions),
        false,
        content,
    )
    .into_response())
}

/// A verdict form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct VerdictForm {
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    decision: String,
    #[serde(default, rename = "conditions[1].text")]
    condition_1: String,
    #[serde(default, rename = "conditions[1].due")]
    due_1: String,
    #[serde(default, rename = "conditions[2].text")]
    condition_2: String,
    #[serde(default, rename = "conditions[2].due")]
    due_2: String,
    #[serde(default, rename = "conditions[3].text")]
    condition_3: String,
    #[serde(default, rename = "conditions[3].due")]
    due_3: String,
    #[serde(default)]
    show: Option<String>,
}

impl VerdictForm {
    fn conditions(&self) -> [(&str, &str); CONDITION_ROWS] {
        [
            (&self.condition_1, &self.due_1),
            (&self.condition_2, &self.due_2),
            (&self.condition_3, &self.due_3),
        ]
        .map(|(t, d)| (t.as_str(), d.as_str()))
    }

    /// The form filled with what is recorded.
    fn from_recorded(review: &RoundReview, item: &RoundItem) -> Self {
        let Some(v) = review.verdict(&item.key()) else {
            return Self::default();
        };
        let mut form = Self {
            verdict: v.review.verdict.as_str().into(),
            comment: v.review.comment.clone().unwrap_or_default(),
            decision: v.review.decision.map(|d| d.as_str().to_string()).unwrap_or_default(),
            ..Self::default()
        };
        let mut rows = v.review.conditions.iter().map(|c| (c.text.clone(), c.due.to_string()));
        if let Some((t, d)) = rows.next() {
            (form.condition_1, form.due_1) = (t, d);
        }
        if let Some((t, d)) = rows.next() {
            (form.condition_2, form.due_2) = (t, d);
        }
        if let Some((t, d)) = rows.next() {
            (form.condition_3, form.due_3) = (t, d);
        }
        form
    }
}

fn or_none(value: Option<&str>) -> Markup {
    html! {
        @match value.filter(|v| !v.is_empty()) {
            Some(v) => { span class="scal-pre-line" { (v) } }
            None => { "None given" }
        }
    }
}

fn item_page(
    session: &CurrentSession,
    (review, open): (&RoundReview, &OpenThreads),
    n: usize,
    show: Show,
    form: &VerdictForm,
    errors: &[FieldError],
) -> Markup {
    let id = &review.round.submission.id;
    let item = &review.items[n - 1];
    let positions = shown(review, open, show);
    let at = positions.iter().position(|p| *p == n);
    let previous = at.and_then(|i| i.checked_sub(1)).and_then(|i| positions.get(i));
    let next = at.and_then(|i| positions.get(i + 1));
    let editable = reviewer(session, review) && pending(review);
    let recorded = review.verdict(&item.key());
    let changed = review.changed.as_ref().map(|c| c.contains(&item.key()));
    let name = review.round.product.details.title();
    let verdicts: Vec<(&str, &str)> = Verdict::allowed_for(item.rag)
        .iter()
        .map(|v| (v.as_str(), v.label()))
        .collect();
    let decisions: Vec<(&str, &str)> = Decision::ALL.iter().map(|d| (d.as_str(), d.label())).collect();
    let content = html! {
        (back_link(&format!("/submissions/{id}/items{}", show.query()), "Back to the items"))
        (error_summary(errors))
        span class="nhsuk-caption-l" {
            (name) ", round " (review.round.submission.round) ": item " (n) " of " (review.items.len())
        }
        h1 class="nhsuk-heading-l" {
            @if editable { "What is your verdict on " (item.id) "?" } @else { (item.id) }
        }
        (summary_list(&[
            ("Sheet", html! { (item.sheet) }, None),
            ("Requirement", html! { span class="scal-pre-line" { (item.text) } }, None),
            ("Level", html! { (item.level.to_uppercase().replace('_', " ")) }, None),
            ("Answer", html! { (item.answer.as_deref().unwrap_or("Not answered")) " " (rag_tag(item.rag)) }, None),
            ("Justification", or_none(item.justification.as_deref()), None),
            ("Mitigation", or_none(item.mitigation.as_deref()), None),
            ("Target date", or_none(item.target_date.as_deref()), None),
            ("Evidence", html! {
                @if item.evidence.is_empty() { "None linked" }
                @for (file, sha) in &item.evidence { (file) br; span class="nhsuk-hint" { "SHA-256 " code { (sha) } } }
            }, None),
            ("Since the last round", html! {
                @match changed {
                    None => { "This is the first round" }
                    Some(true) => { (tag("Changed", "orange")) }
                    Some(false) => { "Unchanged" }
                }
            }, None),
            ("Verdict", html! {
                (verdict_tag(recorded.map(|v| v.review.verdict)))
                @if let Some(v) = recorded {
                    @if let Some(round) = v.carried_from_round { " Carried from round " (round) "." }
                    @if let Some(comment) = &v.review.comment { br; span class="scal-pre-line" { (comment) } }
                    @if let Some(decision) = v.review.decision { br; "Decision: " (decision.label()) }
                    @for c in &v.review.conditions { br; "Condition: " (c.text) ", due " (c.due) }
                }
            }, None),
        ]))
        @if editable {
            form method="post" action=(format!("/submissions/{id}/items/{n}")) novalidate {
                (csrf(&session.csrf_token))
                input type="hidden" name="show" value=(show.code());
                (radios("verdict", "Verdict", &verdicts, &form.verdict, errors,
                    (item.rag == Rag::Amber).then_some("An amber item is accepted or queried: its level allows a justified No")))
                (textarea("comment", "Comment for the supplier", &form.comment, errors,
                    Some("The supplier reads this when the round is decided. Say what you need for a query or an item not accepted.")))
                @if item.rag == Rag::Red {
                    (radios("decision", "Decision on the explanation and mitigation", &decisions, &form.decision, errors,
                        Some("This is a red item: a No to a MUST")))
                    fieldset class="nhsuk-fieldset" {
                        legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s" { "Conditions (only when agreed with conditions)" }
                        @if let Some(e) = errors.iter().find(|e| e.field == "conditions") {
                            span class="nhsuk-error-message" id="conditions" {
                                span class="nhsuk-u-visually-hidden" { "Error:" } " " (e.message)
                            }
                        }
                        @for (i, (text, due)) in form.conditions().iter().enumerate() {
                            @let n = i + 1;
                            (text_input(&format!("conditions[{n}].text"), &format!("Condition {n}"), text, errors, InputOptions::default()))
                            (text_input(&format!("conditions[{n}].due"), &format!("Condition {n} is due by"), due, errors, InputOptions {
                                hint: Some("For example, 2027-03-31 or 31/03/2027"),
                                width_class: Some("nhsuk-input--width-10"),
                                ..InputOptions::default()
                            }))
                        }
                    }
                }
                (button("Save and continue"))
            }
        }
        nav class="nhsuk-pagination" role="navigation" aria-label="Items" {
            ul class="nhsuk-list nhsuk-pagination__list" {
                @if let Some(p) = previous {
                    li class="nhsuk-pagination-item--previous" {
                        a class="nhsuk-pagination__link nhsuk-pagination__link--prev" href=(item_href(id, *p, show)) {
                            span class="nhsuk-pagination__title" { "Previous" }
                            span class="nhsuk-u-visually-hidden" { ":" }
                            span class="nhsuk-pagination__page" { (review.items[p - 1].id) }
                        }
                    }
                }
                @if let Some(x) = next {
                    li class="nhsuk-pagination-item--next" {
                        a class="nhsuk-pagination__link nhsuk-pagination__link--next" href=(item_href(id, *x, show)) {
                            span class="nhsuk-pagination__title" { "Next" }
                            span class="nhsuk-u-visually-hidden" { ":" }
                            span class="nhsuk-pagination__page" { (review.items[x - 1].id) }
                        }
                    }
                }
            }
        }
    };
    page(
        &format!("{} in round {} of {name}", item.id, review.round.submission.round),
        &Chrome::signed_in(session, Nav::Submissions),
        !errors.is_empty(),
        content,
    )
}

/// The item at 1-based position `n`; not found beyond the round.
fn position(review: &RoundReview, n: &str) -> Result<usize, PageError> {
    n.parse::<usize>()
        .ok()
        .filter(|n| (1..=review.items.len()).contains(n))
        .ok_or_else(|| PageError::from(AppError::NotFound))
}

pub async fn item(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, n)): Path<(String, String)>,
    PageQuery(query): PageQuery<ShowQuery>,
) -> PageResult {
    let review = scal_app::review::get(&state.app, &session.actor, &id, state.now().date()).await?;
    let n = position(&review, &n)?;
    let form = VerdictForm::from_recorded(&review, &review.items[n - 1]);
    let open = open_threads(&state, &session, &review).await?;
    Ok(item_page(
        &session,
        (&review, &open),
        n,
        Show::parse(query.show.as_deref()),
        &form,
        &[],
    )
    .into_response())
}

/// Records the verdict, then goes on to the next item the filter shows (or the check page).
pub async fn save_item(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path((id, n)): Path<(String, String)>,
    PageForm(form): PageForm<VerdictForm>,
) -> PageResult {
    let review = scal_app::review::get(&state.app, &session.actor, &id, state.now().date()).await?;
    let n = position(&review, &n)?;
    let show = Show::parse(form.show.as_deref());
    let open = open_threads(&state, &session, &review).await?;
    let item = &review.items[n - 1];
    let input = VerdictInput {
        sheet: item.sheet.clone(),
        requirement_id: item.id.clone(),
        verdict: form.verdict.clone(),
        comment: form.comment.clone(),
        decision: form.decision.clone(),
        conditions: form
            .conditions()
            .iter()
            .map(|(t, d)| (t.to_string(), d.to_string()))
            .collect(),
    };
    match scal_app::review::record(&state.app, &session.actor, &id, &[input], state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(after) => {
            // The next item the filter still shows (a filter of unreviewed items has moved on).
            let positions = shown(&after, &open, show);
            let next = positions
                .iter()
                .find(|p| **p > n)
                .or(positions.first())
                .filter(|p| **p != n);
            let to = match next {
                Some(next) if after.unreviewed() > 0 || show != Show::All => item_href(&id, *next, show),
                _ => format!("/submissions/{id}/decide"),
            };
            Ok(done(&state, &to, Notice::VerdictSaved))
        }
        Err(FormOutcome::Errors(errors)) => Ok(form_page(
            item_page(&session, (&review, &open), n, show, &form, &errors),
            &errors,
        )),
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReturnForm {
    #[serde(default)]
    reason: String,
}

/// Check your review: what was decided, what blocks acceptance (each a link to its item), and the
/// two outcomes.
fn decide_page(session: &CurrentSession, review: &RoundReview, reason: &str, errors: &[FieldError]) -> Markup {
    let id = &review.round.submission.id;
    let s = &review.round.submission;
    let name = review.round.product.details.title();
    let count = |v: Verdict| {
        review
            .items
            .iter()
            .filter(|i| review.verdict(&i.key()).is_some_and(|r| r.review.verdict == v))
            .count()
    };
    let reds: Vec<(usize, &RoundItem)> = review
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.rag == Rag::Red)
        .map(|(i, item)| (i + 1, item))
        .collect();
    let position_of =
        |key: &scal_domain::review::ItemKey| review.items.iter().position(|i| &i.key() == key).map(|p| p + 1);
    let asks = review.asks();
    let content = html! {
        (back_link(&format!("/submissions/{id}/items"), "Back to the items"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (name) ", round " (s.round) }
        h1 class="nhsuk-heading-xl" { "Check your review before deciding" }
        (summary_list(&[
            ("Items", html! { (review.items.len()) }, None),
            ("Accepted", html! { (count(Verdict::Accepted)) }, None),
            ("Queries", html! { (count(Verdict::Query)) }, None),
            ("Not accepted", html! { (count(Verdict::NotAccepted)) }, None),
            ("Not reviewed", html! { (review.unreviewed()) }, Some((&*format!("/submissions/{id}/items?show=unreviewed"), "the items not reviewed"))),
            ("Red items", html! {
                @if reds.is_empty() { "None" }
                @for (n, item) in &reds {
                    @let decision = review.verdict(&item.key()).and_then(|v| v.review.decision);
                    a href=(item_href(id, *n, Show::Red)) { (item.id) } ": "
                    (decision.map_or("No decision yet", Decision::label))
                    @if let Some(v) = review.verdict(&item.key()) {
                        @for c in &v.review.conditions { br; "Condition: " (c.text) ", due " (c.due) }
                    }
                    br;
                }
            }, None),
        ]))
        @if review.blockers.is_empty() {
            h2 class="nhsuk-heading-l" { "Accept round " (s.round) }
            p class="nhsuk-body" {
                "Every item is accepted, every red item's mitigation is agreed and every thread is resolved. "
                "Once accepted, this round is the accepted SCAL: the supplier can no longer change it."
            }
            form method="post" action=(format!("/submissions/{id}/accept")) novalidate {
                (csrf(&session.csrf_token))
                (button(&format!("Accept round {}", s.round)))
            }
        } @else {
            h2 class="nhsuk-heading-l" { "What stops you accepting it" }
            ul class="nhsuk-list nhsuk-list--bullet" {
                @for blocker in &review.blockers {
                    li {
                        @match (blocker, blocker.item().and_then(&position_of)) {
                            (_, Some(n)) => { a href=(item_href(id, n, Show::All)) { (blocker.message()) } }
                            (scal_domain::review::AcceptBlocker::UnresolvedThread { thread_id, .. }, None) => {
                                a href=(format!("/threads/{thread_id}")) { (blocker.message()) }
                            }
                            _ => { (blocker.message()) }
                        }
                    }
                }
            }
        }
        h2 class="nhsuk-heading-l" { "Return for changes" }
        @if asks.is_empty() {
            p class="nhsuk-body" { "No item is queried or not accepted yet." }
        } @else {
            p class="nhsuk-body" { "The supplier will be told about these items:" }
            ul class="nhsuk-list nhsuk-list--bullet" {
                @for (item, verdict) in &asks {
                    li { (item.id) " (" (item.sheet) "): " (verdict.review.verdict.label())
                        @if let Some(c) = &verdict.review.comment { ": " (c) } }
                }
            }
        }
        form method="post" action=(format!("/submissions/{id}/return")) novalidate {
            (csrf(&session.csrf_token))
            (textarea("reason", "Summary for the supplier", reason, errors,
                Some("What they need to change overall. They see it with the items above and are told by email.")))
            button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Return for changes" }
        }
    };
    page(
        &format!("Check your review of round {} of {name}", s.round),
        &Chrome::signed_in(session, Nav::Submissions),
        !errors.is_empty(),
        content,
    )
}

async fn reviewable(state: &AppState, session: &CurrentSession, id: &str) -> Result<RoundReview, PageError> {
    let review = scal_app::review::get(&state.app, &session.actor, id, state.now().date()).await?;
    if !reviewer(session, &review) {
        return Err(AppError::Forbidden.into());
    }
    if !pending(&review) {
        return Err(PageError::new(
            axum::http::StatusCode::CONFLICT,
            "This round has already been decided",
            format!(
                "Round {} is {}.",
                review.round.submission.round,
                review.round.submission.round_status().label().to_lowercase()
            ),
        ));
    }
    Ok(review)
}

pub async fn decide(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let review = reviewable(&state, &session, &id).await?;
    Ok(decide_page(&session, &review, "", &[]).into_response())
}

pub async fn accept(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    match scal_app::review::accept(&state.app, &session.actor, &id, state.now()).await {
        Ok(_) => Ok(done(&state, &format!("/submissions/{id}"), Notice::RoundAccepted)),
        Err(AppError::Blocked(_)) => {
            // Something changed since the page was shown: show it again with what blocks now.
            let review = reviewable(&state, &session, &id).await?;
            let errors = vec![FieldError::new(
                "accept",
                "This round cannot be accepted yet: see what stops it below",
            )];
            Ok(form_page(decide_page(&session, &review, "", &errors), &errors))
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn return_for_changes(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<ReturnForm>,
) -> PageResult {
    match scal_app::review::return_for_changes(&state.app, &session.actor, &id, &form.reason, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(&state, &format!("/submissions/{id}"), Notice::SubmissionReturned)),
        Err(FormOutcome::Errors(errors)) => {
            let review = reviewable(&state, &session, &id).await?;
            Ok(form_page(
                decide_page(&session, &review, &form.reason, &errors),
                &errors,
            ))
        }
        Err(FormOutcome::Failed(error)) if error.status == axum::http::StatusCode::CONFLICT => Err(PageError::new(
            error.status,
            "This round has already been decided",
            error.message,
        )),
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

/// "Are you sure you want to withdraw round N?"
pub async fn confirm_withdraw(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let view = scal_app::submissions::get(&state.app, &session.actor, &id).await?;
    authorize(&session.actor, Action::AnswerScal, Some(&view.product.org_id)).map_err(AppError::from)?;
    let s = &view.submission;
    let content = html! {
        (back_link(&format!("/submissions/{id}"), "Back to the round"))
        span class="nhsuk-caption-l" { (view.product.details.title()) }
        h1 class="nhsuk-heading-xl" { "Are you sure you want to withdraw round " (s.round) "?" }
        p class="nhsuk-body" {
            "NHS England stops reviewing it and you can change the SCAL again. "
            "When you submit it again, it is a new round."
        }
        @if s.round_status() == RoundStatus::Submitted {
            form method="post" action=(format!("/submissions/{id}/withdraw")) novalidate {
                (csrf(&session.csrf_token))
                button class="nhsuk-button nhsuk-button--warning" type="submit" { "Withdraw round " (s.round) }
            }
        } @else {
            p class="nhsuk-body" { "This round has already been decided: it cannot be withdrawn." }
        }
    };
    Ok(page(
        &format!("Withdraw round {}", s.round),
        &Chrome::signed_in(&session, Nav::Submissions),
        false,
        content,
    )
    .into_response())
}

pub async fn withdraw(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    let view = scal_app::review::withdraw(&state.app, &session.actor, &id, state.now()).await?;
    Ok(done(
        &state,
        &format!("/scals/{}", view.submission.scal_id),
        Notice::RoundWithdrawn,
    ))
}
