//! NHS England's question threads on a SCAL: the list of a SCAL's threads (with NHS England's
//! internal notes, shown to NHS England only), the question page that starts one, and a thread
//! with its messages, the reply form and "Mark as resolved".

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use scal_app::scals::ScalView;
use scal_app::threads::ThreadView;
use scal_app::AppError;
use scal_domain::policy::{authorize, Action};
use scal_domain::thread::{Subject, SubjectInput, ThreadState};
use scal_domain::FieldError;
use scal_store::records::threads::NoteRecord;
use serde::Deserialize;

use super::layout::{
    back_link, button, csrf, data_table, date_time, error_summary, page, plural, select, summary_list, tag, textarea,
    Caption, Chrome, Nav,
};
use super::{done, form_page, FormOutcome};
use crate::extract::{PageForm, PageQuery};
use crate::notice::Notice;
use crate::session::{CurrentSession, PageActor};
use crate::{AppState, PageError};

type PageResult = Result<Response, PageError>;

/// A thread's state as a tag, the same words and colour everywhere.
pub(crate) fn state_tag(state: ThreadState) -> Markup {
    let colour = match state {
        ThreadState::Open => "blue",
        ThreadState::Answered => "orange",
        ThreadState::Resolved => "green",
    };
    tag(state.label(), colour)
}

/// Where a subject is worked on: the requirement's page, the SCAL's case, or the SCAL.
fn subject_href(scal_id: &str, subject: &Subject, sheet_id: Option<&str>) -> String {
    match (subject, sheet_id) {
        (Subject::Item { requirement_id, .. }, Some(sheet_id)) => {
            format!(
                "/scals/{scal_id}/sheets/{sheet_id}/requirements/{}",
                urlencoding::encode(requirement_id)
            )
        }
        (Subject::Step { service, .. }, _) => format!("/scals/{scal_id}#case-{service}"),
        _ => format!("/scals/{scal_id}"),
    }
}

/// A link to start a thread about `subject` (the question page's query).
pub(crate) fn new_thread_href(scal_id: &str, subject: &Subject) -> String {
    let encode = |s: &str| urlencoding::encode(s).into_owned();
    match subject {
        Subject::Item { sheet, requirement_id } => format!(
            "/scals/{scal_id}/threads/new?sheet={}&requirement={}",
            encode(sheet),
            encode(requirement_id)
        ),
        Subject::Step { service, step } => format!(
            "/scals/{scal_id}/threads/new?service={}&step={}",
            encode(service),
            step.number()
        ),
        Subject::Scal => format!("/scals/{scal_id}/threads/new"),
    }
}

/// The threads on one item, for its requirement page: each with its state and a link.
pub(crate) fn item_threads(
    session: &CurrentSession,
    view: &ScalView,
    subject: &Subject,
    threads: &[ThreadView],
) -> Markup {
    let may_open = authorize(&session.actor, Action::ReviewSubmission, Some(&view.product.org_id)).is_ok();
    html! {
        @if !threads.is_empty() || may_open {
            h2 class="nhsuk-heading-m" id="questions" { "Questions from NHS England" }
            @if threads.is_empty() {
                p class="nhsuk-body" { "NHS England has not asked about this requirement." }
            } @else {
                ul class="nhsuk-list" {
                    @for thread in threads {
                        li {
                            a href=(format!("/threads/{}", thread.thread.id)) {
                                (first_words(thread))
                            }
                            " " (state_tag(thread.state))
                        }
                    }
                }
            }
            @if may_open {
                p class="nhsuk-body" { a href=(new_thread_href(&view.scal.id, subject)) { "Ask the supplier about this requirement" } }
            }
        }
    }
}

/// A thread's first message, shortened, as its name in a list.
fn first_words(thread: &ThreadView) -> String {
    let text = thread.messages.first().map_or("", |m| m.body.as_str());
    let line = text.lines().next().unwrap_or_default();
    let mut out: String = line.chars().take(80).collect();
    if line.chars().count() > 80 || text.lines().nth(1).is_some() {
        out.push('…');
    }
    if out.is_empty() {
        thread.label.clone()
    } else {
        out
    }
}

fn threads_table(view: &ScalView, threads: &[ThreadView]) -> Markup {
    data_table(
        "Question threads",
        Caption::Hidden,
        html! {
            thead class="nhsuk-table__head" {
                tr class="nhsuk-table__row" {
                    th class="nhsuk-table__header" scope="col" { "Question" }
                    th class="nhsuk-table__header" scope="col" { "About" }
                    th class="nhsuk-table__header" scope="col" { "State" }
                    th class="nhsuk-table__header" scope="col" { "Last message" }
                }
            }
            tbody class="nhsuk-table__body" {
                @for thread in threads {
                    tr class="nhsuk-table__row" {
                        td class="nhsuk-table__cell" {
                            a href=(format!("/threads/{}", thread.thread.id)) { (first_words(thread)) }
                        }
                        td class="nhsuk-table__cell" {
                            a href=(subject_href(&view.scal.id, &thread.thread.subject, thread.sheet_id.as_deref())) { (thread.label) }
                        }
                        td class="nhsuk-table__cell" { (state_tag(thread.state)) }
                        td class="nhsuk-table__cell" {
                            @if let Some(last) = thread.messages.last() {
                                (last.author_name) " (" (last.side.label()) ")" br; (date_time(last.created_at))
                            }
                        }
                    }
                }
            }
        },
    )
}

fn notes_section(
    session: &CurrentSession,
    view: &ScalView,
    notes: &[NoteRecord],
    form: (&str, &[FieldError]),
) -> Markup {
    let (body, errors) = form;
    html! {
        h2 class="nhsuk-heading-l" id="notes" { "Internal notes" }
        p class="nhsuk-body" { "Only NHS England can see these notes. The supplier is never shown them." }
        @if notes.is_empty() {
            p class="nhsuk-body" { "There are no internal notes yet." }
        } @else {
            @for note in notes {
                div class="nhsuk-card" {
                    div class="nhsuk-card__content" {
                        p class="nhsuk-body-s nhsuk-u-secondary-text-colour" {
                            (note.author_name) " on " (date_time(note.created_at)) ", " (round_words(note.round))
                            @if note.subject != Subject::Scal { ", about " (in_sentence(&note.subject.label())) }
                        }
                        p class="nhsuk-body scal-pre-line" { (note.body) }
                    }
                }
            }
        }
        form method="post" action=(format!("/scals/{}/notes", view.scal.id)) novalidate {
            (csrf(&session.csrf_token))
            (textarea("body", "Add an internal note", body, errors, Some("For NHS England only")))
            (button("Save the note"))
        }
    }
}

fn round_words(round: i64) -> String {
    if round == 0 {
        "before the first submission".into()
    } else {
        format!("round {round}")
    }
}

fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// A SCAL's threads, and for NHS England a way to start one and its internal notes.
fn list_markup(
    session: &CurrentSession,
    view: &ScalView,
    threads: &[ThreadView],
    notes: Option<(&[NoteRecord], &str, &[FieldError])>,
    services: &[String],
) -> Markup {
    let scal_id = &view.scal.id;
    let name = view.product.details.title();
    let may_open = authorize(&session.actor, Action::ReviewSubmission, Some(&view.product.org_id)).is_ok();
    let errors = notes.map_or(&[][..], |(_, _, e)| e);
    let unresolved = scal_app::threads::summary(threads).len();
    let content = html! {
        (back_link(&format!("/scals/{scal_id}"), "Back to the SCAL"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (name) }
        h1 class="nhsuk-heading-xl" { "Questions from NHS England" }
        @if threads.is_empty() {
            p class="nhsuk-body" { "NHS England has not asked any questions about this SCAL." }
        } @else {
            p class="nhsuk-body" { (plural(threads.len(), "thread", "threads")) ", " (unresolved) " not resolved." }
            (threads_table(view, threads))
        }
        @if may_open {
            h2 class="nhsuk-heading-m" { "Start a thread" }
            p class="nhsuk-body" {
                a href=(new_thread_href(scal_id, &Subject::Scal)) { "Ask about the SCAL as a whole" }
            }
            p class="nhsuk-body" { "To ask about a requirement, start the thread from its page." }
            @if !services.is_empty() {
                form method="get" action=(format!("/scals/{scal_id}/threads/new")) novalidate {
                    @let service_options: Vec<(&str, &str)> = services.iter().map(|s| (s.as_str(), s.as_str())).collect();
                    @let numbers: Vec<(String, String)> = scal_domain::onboarding::Step::ALL
                        .iter()
                        .map(|s| (s.number().to_string(), format!("{}: {}", s.number(), s.name())))
                        .collect();
                    @let step_options: Vec<(&str, &str)> = numbers.iter().map(|(v, l)| (v.as_str(), l.as_str())).collect();
                    (select("service", "Ask about an onboarding step of service", &service_options, "", &[], None))
                    (select("step", "Step", &step_options, "", &[], None))
                    button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Continue" }
                }
            }
        }
        @if let Some((notes, body, errors)) = notes {
            (notes_section(session, view, notes, (body, errors)))
        }
    };
    page(
        &format!("Questions about {name}"),
        &Chrome::signed_in(session, Nav::Products),
        !errors.is_empty(),
        content,
    )
}

async fn list_page(
    state: &AppState,
    session: &CurrentSession,
    scal_id: &str,
    note_form: (&str, &[FieldError]),
) -> Result<Markup, PageError> {
    let view = scal_app::scals::view_scal(&state.app, &session.actor, scal_id).await?;
    let threads = scal_app::threads::list_for_scal(&state.app, &session.actor, scal_id).await?;
    // Notes only for those the policy lets see them; for anyone else they do not exist.
    let notes = match scal_app::threads::notes_for_scal(&state.app, &session.actor, scal_id).await {
        Ok(notes) => Some(notes),
        Err(AppError::NotFound | AppError::Forbidden) => None,
        Err(other) => return Err(other.into()),
    };
    let services: Vec<String> = view
        .sheets
        .iter()
        .filter_map(|s| s.service_code.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(list_markup(
        session,
        &view,
        &threads,
        notes.as_deref().map(|n| (n, note_form.0, note_form.1)),
        &services,
    ))
}

pub async fn list(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    Ok(list_page(&state, &session, &id, ("", &[])).await?.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    body: String,
}

pub async fn add_note(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<NoteForm>,
) -> PageResult {
    match scal_app::threads::add_note(
        &state.app,
        &session.actor,
        &id,
        &scal_app::threads::WHOLE_SCAL,
        &form.body,
        state.now(),
    )
    .await
    .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(&state, &format!("/scals/{id}/threads#notes"), Notice::NoteAdded)),
        Err(FormOutcome::Errors(errors)) => {
            let markup = list_page(&state, &session, &id, (&form.body, &errors)).await?;
            Ok(form_page(markup, &errors))
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

/// The subject of a new thread, from the question page's address or form.
#[derive(Debug, Default, Deserialize)]
pub struct SubjectQuery {
    sheet: Option<String>,
    requirement: Option<String>,
    service: Option<String>,
    step: Option<String>,
}

impl SubjectQuery {
    fn input(&self) -> SubjectInput<'_> {
        fn filled(v: &Option<String>) -> Option<&str> {
            v.as_deref().filter(|v| !v.trim().is_empty())
        }
        let kind = if filled(&self.sheet).is_some() || filled(&self.requirement).is_some() {
            "item"
        } else if filled(&self.service).is_some() || filled(&self.step).is_some() {
            "step"
        } else {
            "scal"
        };
        SubjectInput {
            kind,
            sheet: filled(&self.sheet),
            requirement_id: filled(&self.requirement),
            service: filled(&self.service),
            step: filled(&self.step),
        }
    }
}

fn new_thread_markup(
    session: &CurrentSession,
    view: &ScalView,
    subject: &Subject,
    body: &str,
    errors: &[FieldError],
) -> Markup {
    let scal_id = &view.scal.id;
    let question = format!("What do you want to ask about {}?", subject.short());
    let content = html! {
        (back_link(&format!("/scals/{scal_id}/threads"), "Back to the questions"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { (subject.label()) }
        h1 class="nhsuk-heading-l" { (question) }
        form method="post" action=(format!("/scals/{scal_id}/threads")) novalidate {
            (csrf(&session.csrf_token))
            @match subject {
                Subject::Item { sheet, requirement_id } => {
                    input type="hidden" name="sheet" value=(sheet);
                    input type="hidden" name="requirement" value=(requirement_id);
                }
                Subject::Step { service, step } => {
                    input type="hidden" name="service" value=(service);
                    input type="hidden" name="step" value=(step.number());
                }
                Subject::Scal => {}
            }
            (textarea("body", "Your question", body, errors,
                Some("The supplier is told and answers here. They can answer while the SCAL is with NHS England; answering does not change their SCAL.")))
            (button("Send the question"))
        }
    };
    page(
        &question,
        &Chrome::signed_in(session, Nav::Products),
        !errors.is_empty(),
        content,
    )
}

/// A subject that is not in the SCAL has no question page.
fn subject_refusal(error: AppError) -> PageError {
    match error {
        AppError::Invalid(_) => PageError::not_found(),
        other => other.into(),
    }
}

pub async fn new_form(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageQuery(query): PageQuery<SubjectQuery>,
) -> PageResult {
    let subject = scal_app::threads::check_subject(&state.app, &session.actor, &id, &query.input())
        .await
        .map_err(subject_refusal)?;
    let view = scal_app::scals::view_scal(&state.app, &session.actor, &id).await?;
    Ok(new_thread_markup(&session, &view, &subject, "", &[]).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct NewThreadForm {
    #[serde(flatten)]
    subject: SubjectQuery,
    #[serde(default)]
    body: String,
}

pub async fn open(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<NewThreadForm>,
) -> PageResult {
    let subject = scal_app::threads::check_subject(&state.app, &session.actor, &id, &form.subject.input())
        .await
        .map_err(subject_refusal)?;
    match scal_app::threads::open(
        &state.app,
        &session.actor,
        &id,
        &form.subject.input(),
        &form.body,
        state.now(),
    )
    .await
    .map_err(FormOutcome::from)
    {
        Ok(thread) => Ok(done(
            &state,
            &format!("/threads/{}", thread.thread.id),
            Notice::ThreadOpened,
        )),
        Err(FormOutcome::Errors(errors)) => {
            let view = scal_app::scals::view_scal(&state.app, &session.actor, &id).await?;
            Ok(form_page(
                new_thread_markup(&session, &view, &subject, &form.body, &errors),
                &errors,
            ))
        }
        Err(FormOutcome::Failed(error)) => Err(error),
    }
}

fn thread_markup(
    session: &CurrentSession,
    view: &ScalView,
    thread: &ThreadView,
    body: &str,
    errors: &[FieldError],
) -> Markup {
    let scal_id = &view.scal.id;
    let id = &thread.thread.id;
    let org = Some(view.product.org_id.as_str());
    let nhse = authorize(&session.actor, Action::ReviewSubmission, org).is_ok();
    let may_reply = nhse || authorize(&session.actor, Action::AnswerScal, org).is_ok();
    let resolved = thread.state == ThreadState::Resolved;
    let name = view.product.details.title();
    let about = html! {
        a href=(subject_href(scal_id, &thread.thread.subject, thread.sheet_id.as_deref())) { (thread.label) }
    };
    let mut rows: Vec<super::layout::SummaryRow<'_>> = vec![
        ("SCAL", html! { a href=(format!("/scals/{scal_id}")) { (name) } }, None),
        ("About", about, None),
        ("State", state_tag(thread.state), None),
        ("Opened", html! { (date_time(thread.thread.opened_at)) }, None),
    ];
    if let Some(at) = thread.thread.resolved_at {
        rows.push(("Resolved", html! { (date_time(at)) }, None));
    }
    let content = html! {
        (back_link(&format!("/scals/{scal_id}/threads"), "Back to the questions"))
        (error_summary(errors))
        span class="nhsuk-caption-l" { "Question from NHS England" }
        h1 class="nhsuk-heading-l" { (thread.label) }
        (summary_list(&rows))
        h2 class="nhsuk-heading-m" { "Messages" }
        ol class="nhsuk-list" {
            @for message in &thread.messages {
                li class="nhsuk-card" {
                    div class="nhsuk-card__content" {
                        p class="nhsuk-body-s nhsuk-u-secondary-text-colour" {
                            strong { (message.author_name) } " (" (message.side.label()) ") on "
                            (date_time(message.created_at)) ", " (round_words(message.round))
                        }
                        p class="nhsuk-body scal-pre-line" { (message.body) }
                    }
                }
            }
        }
        @if resolved {
            p class="nhsuk-body" { "This thread has been resolved. To ask something else, start a new thread." }
        } @else if may_reply {
            form method="post" action=(format!("/threads/{id}/messages")) novalidate {
                (csrf(&session.csrf_token))
                @let hint = if nhse {
                    "The supplier is told about your reply."
                } else {
                    "NHS England is told about your reply. Replying does not change your SCAL's answers."
                };
                (textarea("body", "Your reply", body, errors, Some(hint)))
                (button("Send the reply"))
            }
            @if nhse {
                form method="post" action=(format!("/threads/{id}/resolve")) novalidate {
                    (csrf(&session.csrf_token))
                    button class="nhsuk-button nhsuk-button--secondary" type="submit" { "Mark as resolved" }
                }
            }
        }
    };
    page(
        &format!("{} - questions about {name}", thread.label),
        &Chrome::signed_in(session, Nav::Products),
        !errors.is_empty(),
        content,
    )
}

async fn thread_page(
    state: &AppState,
    session: &CurrentSession,
    id: &str,
    body: &str,
    errors: &[FieldError],
) -> Result<Markup, PageError> {
    let thread = scal_app::threads::get(&state.app, &session.actor, id).await?;
    let view = scal_app::scals::view_scal(&state.app, &session.actor, &thread.thread.scal_id).await?;
    Ok(thread_markup(session, &view, &thread, body, errors))
}

pub async fn show(State(state): State<AppState>, PageActor(session): PageActor, Path(id): Path<String>) -> PageResult {
    Ok(thread_page(&state, &session, &id, "", &[]).await?.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
}

/// A resolved thread's refusal, said plainly.
fn conflict(error: PageError) -> PageError {
    if error.status == StatusCode::CONFLICT {
        PageError::new(StatusCode::CONFLICT, "This thread has been resolved", error.message)
    } else {
        error
    }
}

pub async fn reply(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
    PageForm(form): PageForm<ReplyForm>,
) -> PageResult {
    match scal_app::threads::reply(&state.app, &session.actor, &id, &form.body, state.now())
        .await
        .map_err(FormOutcome::from)
    {
        Ok(_) => Ok(done(&state, &format!("/threads/{id}"), Notice::ReplySent)),
        Err(FormOutcome::Errors(errors)) => {
            let markup = thread_page(&state, &session, &id, &form.body, &errors).await?;
            Ok(form_page(markup, &errors))
        }
        Err(FormOutcome::Failed(error)) => Err(conflict(error)),
    }
}

pub async fn resolve(
    State(state): State<AppState>,
    PageActor(session): PageActor,
    Path(id): Path<String>,
) -> PageResult {
    scal_app::threads::resolve(&state.app, &session.actor, &id, state.now())
        .await
        .map_err(|e| conflict(e.into()))?;
    Ok(done(&state, &format!("/threads/{id}"), Notice::ThreadResolved))
}
