//! Question threads in NHS England's review of a SCAL, and NHS England's internal notes.
//!
//! A reviewer opens a thread on an item (a requirement or information question on one of the
//! SCAL's sheets), on a step of one of its cases, or on the SCAL as a whole; the supplier answers
//! in it, whatever the round's state (answering never changes the SCAL's answers, so it does not
//! take the SCAL's lock); only NHS England resolves it. A thread's state is derived by
//! `scal_domain::thread::state`, never stored. Threads belong to the SCAL, not to a round: each
//! message records the round it was written in.
//!
//! Internal notes are NHS England's own: `Action::InternalNotes` makes them *not found* for
//! anyone else, and nothing here that a supplier can reach returns them.

use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::thread::{self, Side, Subject, SubjectInput, ThreadState};
use scal_domain::Invalid;
use scal_store::records::submissions;
use scal_store::records::threads::{self, MessageRecord, NoteRecord, ThreadRecord};
use scal_store::{ProductRecord, Tx};
use time::OffsetDateTime;

use crate::scals::{get_scal, view_scal};
use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// A thread with its messages, its derived state and what it is about in plain English.
#[derive(Debug, Clone)]
pub struct ThreadView {
    pub thread: ThreadRecord,
    pub state: ThreadState,
    /// `Subject::label`.
    pub label: String,
    /// For an item on a sheet the SCAL still has: that sheet's ID (its pages are by ID).
    pub sheet_id: Option<String>,
    pub messages: Vec<MessageRecord>,
}

impl ThreadView {
    fn new(thread: ThreadRecord, messages: Vec<MessageRecord>, sheets: &[(String, String)]) -> Self {
        let state = thread::state(thread.resolved_at.is_some(), messages.last().map(|m| m.side));
        let sheet_id = match &thread.subject {
            Subject::Item { sheet, .. } => sheets.iter().find(|(_, name)| name == sheet).map(|(id, _)| id.clone()),
            _ => None,
        };
        Self {
            label: thread.subject.label(),
            state,
            sheet_id,
            thread,
            messages,
        }
    }
}

/// A thread that is not resolved, for the acceptance gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    pub thread_id: String,
    pub label: String,
    pub state: ThreadState,
}

/// The SCAL's latest submitted round (0 before any): the round a message written now belongs to.
async fn current_round(tx: &mut Tx, scal_id: &str) -> Result<i64> {
    Ok(submissions::for_scal(tx.conn(), scal_id)
        .await?
        .last()
        .map_or(0, |r| r.round))
}

/// Who is writing: their user ID and the name shown beside the message.
async fn author(app: &App, actor: &Actor) -> Result<(Option<String>, String)> {
    match actor.user_id() {
        Some(id) => {
            let name = scal_store::records::users::get(app.store.pool(), id)
                .await?
                .map_or_else(|| actor.label().to_string(), |u| u.name);
            Ok((Some(id.to_string()), name))
        }
        None => Ok((None, "NHS England (command line)".into())),
    }
}

/// `(sheet ID, sheet name)` of the SCAL's sheets.
async fn sheet_names(app: &App, scal_id: &str) -> Result<Vec<(String, String)>> {
    Ok(scal_store::records::scals::sheets(app.store.pool(), scal_id)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// Parses a subject and holds it to this SCAL: the item must be on one of its issued sheets
/// (scoped-out requirements are not), the step one of a case it has. Names are matched without
/// regard to case and stored as the SCAL spells them. The inner error is the input's fault.
async fn subject_in_scal(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    input: &SubjectInput<'_>,
) -> Result<Result<Subject, Invalid>> {
    let subject = match Subject::parse(input) {
        Ok(subject) => subject,
        Err(invalid) => return Ok(Err(invalid)),
    };
    let fail = |field: &str, message: String| Ok(Err(Invalid::one(field, message)));
    match subject {
        Subject::Scal => Ok(Ok(Subject::Scal)),
        Subject::Item { sheet, requirement_id } => {
            let view = view_scal(app, actor, scal_id).await?;
            let Some(found) = view.sheets.iter().find(|s| s.name.eq_ignore_ascii_case(&sheet)) else {
                return fail("sheet", format!("This SCAL has no sheet called {sheet}"));
            };
            let Some(row) = found
                .requirements
                .iter()
                .find(|r| r.requirement.id.eq_ignore_ascii_case(&requirement_id))
            else {
                return fail(
                    "requirement_id",
                    format!("Sheet {} has no requirement {requirement_id}", found.name),
                );
            };
            Ok(Ok(Subject::Item {
                sheet: found.name.clone(),
                requirement_id: row.requirement.id.clone(),
            }))
        }
        Subject::Step { service, step } => {
            let cases = scal_store::records::cases::for_scal(app.store.pool(), scal_id).await?;
            match cases.iter().find(|c| c.service_code.eq_ignore_ascii_case(&service)) {
                Some(case) => Ok(Ok(Subject::Step {
                    service: case.service_code.clone(),
                    step,
                })),
                None => fail("service", format!("Service {service} has not been issued to this SCAL")),
            }
        }
    }
}

/// A subject's label inside a sentence: "the SCAL as a whole", "requirement GPCM-SD-03 on ...".
fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Tells the other side about a message, in the message's transaction: NHS England's go to the
/// supplier's users; the supplier's to the reviewer of the latest round or, while nobody has
/// taken it, to the reviewers of the SCAL's services.
async fn tell_other_side(
    tx: &mut Tx,
    product: &ProductRecord,
    thread: &ThreadRecord,
    side: Side,
    opened: bool,
    now: OffsetDateTime,
) -> Result<()> {
    let name = product.details.title();
    let label = thread.subject.label();
    let link = format!("/threads/{}", thread.id);
    match side {
        Side::NhsEngland => {
            let suppliers = crate::notifications::organisation_users(tx, &product.org_id).await?;
            let (subject, message) = if opened {
                (
                    format!("NHS England has a question about {name}"),
                    format!(
                        "{name}: NHS England asks about {}. Answer it in the thread.",
                        in_sentence(&label)
                    ),
                )
            } else {
                (
                    format!("NHS England replied about {name}"),
                    format!("{name}: NHS England replied about {}.", in_sentence(&label)),
                )
            };
            crate::notifications::tell(tx, &suppliers, "thread", &subject, &message, &link, now).await
        }
        Side::Supplier => {
            let latest = submissions::for_scal(tx.conn(), &thread.scal_id).await?.pop();
            let mut to = Vec::new();
            if let Some(latest) = latest {
                if let Some(reviewer) = submissions::reviewer_of(tx.conn(), &latest.id).await? {
                    to.extend(
                        scal_store::records::users::get(tx.conn(), &reviewer)
                            .await?
                            .filter(|u| u.active),
                    );
                }
            }
            if to.is_empty() {
                let services: Vec<String> = scal_store::records::cases::for_scal(tx.conn(), &thread.scal_id)
                    .await?
                    .into_iter()
                    .map(|c| c.service_code)
                    .collect();
                to = crate::notifications::reviewers(tx, &services).await?;
            }
            crate::notifications::tell(
                tx,
                &to,
                "thread",
                &format!("The supplier answered about {name}"),
                &format!("{name}: the supplier answered about {}.", in_sentence(&label)),
                &link,
                now,
            )
            .await
        }
    }
}

/// What a new thread would be about, held to the SCAL (NHS England): the question page asks it
/// before showing the form.
pub async fn check_subject(app: &App, actor: &Actor, scal_id: &str, subject: &SubjectInput<'_>) -> Result<Subject> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::ReviewSubmission, Some(&product.org_id))?;
    Ok(subject_in_scal(app, actor, &scal.id, subject).await??)
}

/// Opens a thread (NHS England) with its first message. Bad input is refused with every field
/// error at once and nothing stored.
pub async fn open(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    subject: &SubjectInput<'_>,
    body: &str,
    now: OffsetDateTime,
) -> Result<ThreadView> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::ReviewSubmission, Some(&product.org_id))?;
    let mut invalid = Invalid::default();
    let subject = match subject_in_scal(app, actor, &scal.id, subject).await? {
        Ok(subject) => Some(subject),
        Err(errors) => {
            invalid.0.extend(errors.0);
            None
        }
    };
    let body = invalid.check(thread::parse_body(body));
    let (subject, body) = invalid.finish(|| Some((subject?, body?)))?;
    let (author_id, author_name) = author(app, actor).await?;
    let mut tx = app.store.begin().await?;
    scal_store::records::scals::lock_scal(&mut tx, &scal.id).await?;
    // An accepted SCAL is final: a question now could never be resolved before acceptance.
    if let Some(last) = submissions::for_scal(tx.conn(), &scal.id).await?.last() {
        if last.round_status() == scal_domain::review::RoundStatus::Accepted {
            return Err(AppError::Conflict(format!(
                "This SCAL was accepted (round {}): it takes no new questions",
                last.round
            )));
        }
    }
    let round = current_round(&mut tx, &scal.id).await?;
    let record = ThreadRecord {
        id: new_id(),
        scal_id: scal.id.clone(),
        subject,
        opened_by: actor.label().to_string(),
        opened_by_user: author_id.clone(),
        opened_at: micros(now),
        resolved_by: None,
        resolved_at: None,
    };
    threads::insert_thread(tx.conn(), &record).await?;
    let message = MessageRecord {
        id: new_id(),
        thread_id: record.id.clone(),
        seq: 1,
        author_id,
        author_name,
        side: Side::NhsEngland,
        body,
        round,
        created_at: micros(now),
    };
    threads::insert_message(tx.conn(), &message).await?;
    let (kind, sheet, requirement_id, service, step) = record.subject.columns();
    tx.audit(audit_entry(
        actor,
        now,
        "thread.opened",
        Some(&product.org_id),
        &record.id,
        None,
        Some(serde_json::json!({
            "scal_id": scal.id,
            "subject": {"kind": kind, "sheet": sheet, "requirement_id": requirement_id, "service": service, "step": step},
            "message_id": message.id,
            "body": message.body,
            "round": round,
        })),
    ))
    .await?;
    tell_other_side(&mut tx, &product, &record, Side::NhsEngland, true, now).await?;
    tx.commit().await?;
    get(app, actor, &record.id).await
}

/// The thread and its SCAL's product, if the actor may see the SCAL.
async fn thread_and_product(app: &App, actor: &Actor, thread_id: &str) -> Result<(ThreadRecord, ProductRecord)> {
    let thread = threads::get_thread(app.store.pool(), crate::known_id(thread_id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, product) = get_scal(app, actor, &thread.scal_id).await?;
    authorize(actor, Action::ReadOnboarding, Some(&product.org_id))?;
    Ok((thread, product))
}

/// One thread with its messages (NHS England, or the SCAL's supplier).
pub async fn get(app: &App, actor: &Actor, thread_id: &str) -> Result<ThreadView> {
    let (thread, _) = thread_and_product(app, actor, thread_id).await?;
    let messages = threads::messages(app.store.pool(), &thread.id).await?;
    let sheets = sheet_names(app, &thread.scal_id).await?;
    Ok(ThreadView::new(thread, messages, &sheets))
}

/// Answers in a thread: NHS England, or a user of the supplier that owns the SCAL (allowed while
/// the round is with NHS England: it changes no answer). A resolved thread takes no more
/// messages (409): open a new one.
pub async fn reply(app: &App, actor: &Actor, thread_id: &str, body: &str, now: OffsetDateTime) -> Result<ThreadView> {
    let (thread, product) = thread_and_product(app, actor, thread_id).await?;
    let side = Side::of(actor);
    let action = match side {
        Side::NhsEngland => Action::ReviewSubmission,
        Side::Supplier => Action::AnswerScal,
    };
    authorize(actor, action, Some(&product.org_id))?;
    let body = thread::parse_body(body).map_err(|e| AppError::Invalid(Invalid(vec![e])))?;
    let (author_id, author_name) = author(app, actor).await?;
    let mut tx = app.store.begin().await?;
    // The SCAL row first, as every change to a SCAL and the acceptance gate take it, so a round
    // cannot be accepted while a message to one of its threads is being written.
    scal_store::records::scals::lock_scal(&mut tx, &thread.scal_id).await?;
    let thread = threads::get_thread_locked(&mut tx, &thread.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if thread.resolved_at.is_some() {
        return Err(AppError::Conflict(
            "This thread has been resolved: it takes no more messages. Start a new thread to ask something else."
                .into(),
        ));
    }
    let round = current_round(&mut tx, &thread.scal_id).await?;
    let message = MessageRecord {
        id: new_id(),
        thread_id: thread.id.clone(),
        seq: threads::next_seq(tx.conn(), &thread.id).await?,
        author_id,
        author_name,
        side,
        body,
        round,
        created_at: micros(now),
    };
    threads::insert_message(tx.conn(), &message).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "thread.replied",
        Some(&product.org_id),
        &thread.id,
        None,
        Some(serde_json::json!({
            "scal_id": thread.scal_id,
            "message_id": message.id,
            "side": side.as_str(),
            "body": message.body,
            "round": round,
        })),
    ))
    .await?;
    tell_other_side(&mut tx, &product, &thread, side, false, now).await?;
    tx.commit().await?;
    get(app, actor, &thread.id).await
}

/// Marks a thread resolved (NHS England only); 409 when it already is.
pub async fn resolve(app: &App, actor: &Actor, thread_id: &str, now: OffsetDateTime) -> Result<ThreadView> {
    let (thread, product) = thread_and_product(app, actor, thread_id).await?;
    authorize(actor, Action::ReviewSubmission, Some(&product.org_id))?;
    let mut tx = app.store.begin().await?;
    // The SCAL row first, as every change to a SCAL and the acceptance gate take it, so a round
    // cannot be accepted while a message to one of its threads is being written.
    scal_store::records::scals::lock_scal(&mut tx, &thread.scal_id).await?;
    let thread = threads::get_thread_locked(&mut tx, &thread.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let (Some(by), Some(_)) = (&thread.resolved_by, thread.resolved_at) {
        return Err(AppError::Conflict(format!("This thread was already resolved by {by}")));
    }
    let state = thread::state(
        false,
        threads::messages(tx.conn(), &thread.id).await?.last().map(|m| m.side),
    );
    threads::mark_resolved(tx.conn(), &thread.id, actor.label(), micros(now)).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "thread.resolved",
        Some(&product.org_id),
        &thread.id,
        Some(serde_json::json!({"state": state.as_str()})),
        Some(serde_json::json!({"state": ThreadState::Resolved.as_str(), "scal_id": thread.scal_id})),
    ))
    .await?;
    tx.commit().await?;
    get(app, actor, &thread.id).await
}

/// The SCAL's threads, oldest first, each with its messages (NHS England, or the SCAL's
/// supplier).
pub async fn list_for_scal(app: &App, actor: &Actor, scal_id: &str) -> Result<Vec<ThreadView>> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::ReadOnboarding, Some(&product.org_id))?;
    views_for(app, &scal.id).await
}

async fn views_for(app: &App, scal_id: &str) -> Result<Vec<ThreadView>> {
    let pool = app.store.pool();
    let records = threads::threads_for_scal(pool, scal_id).await?;
    let mut messages: std::collections::HashMap<String, Vec<MessageRecord>> = std::collections::HashMap::new();
    for message in threads::messages_for_scal(pool, scal_id).await? {
        messages.entry(message.thread_id.clone()).or_default().push(message);
    }
    let sheets = sheet_names(app, scal_id).await?;
    Ok(records
        .into_iter()
        .map(|t| {
            let own = messages.remove(&t.id).unwrap_or_default();
            ThreadView::new(t, own, &sheets)
        })
        .collect())
}

/// The threads on one item of the SCAL (a requirement on a sheet, by the sheet's name).
pub async fn for_item(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    sheet: &str,
    requirement_id: &str,
) -> Result<Vec<ThreadView>> {
    Ok(list_for_scal(app, actor, scal_id)
        .await?
        .into_iter()
        .filter(|t| {
            matches!(&t.thread.subject, Subject::Item { sheet: s, requirement_id: r } if s == sheet && r == requirement_id)
        })
        .collect())
}

/// The SCAL's threads that are not resolved (open or answered). For the acceptance gate, which
/// authorises its caller itself: accepting is refused while this is not empty.
pub async fn unresolved(app: &App, scal_id: &str) -> Result<Vec<Unresolved>> {
    Ok(summary(&views_for(app, scal_id).await?))
}

/// As [`unresolved`], read on `conn` (inside the acceptance's transaction, after the SCAL row is
/// locked, which every reply also locks first).
pub(crate) async fn unresolved_on(conn: &mut scal_store::Conn, scal_id: &str) -> Result<Vec<Unresolved>> {
    let records = threads::threads_for_scal(&mut *conn, scal_id).await?;
    let mut last: std::collections::HashMap<String, thread::Side> = std::collections::HashMap::new();
    for message in threads::messages_for_scal(&mut *conn, scal_id).await? {
        last.insert(message.thread_id.clone(), message.side);
    }
    Ok(records
        .into_iter()
        .filter_map(|t| {
            let state = thread::state(t.resolved_at.is_some(), last.get(&t.id).copied());
            (state != ThreadState::Resolved).then(|| Unresolved {
                label: t.subject.label(),
                thread_id: t.id,
                state,
            })
        })
        .collect())
}

/// The unresolved threads among `views` (`scal_domain::thread::unresolved` counts them).
pub fn summary(views: &[ThreadView]) -> Vec<Unresolved> {
    views
        .iter()
        .filter(|v| v.state != ThreadState::Resolved)
        .map(|v| Unresolved {
            thread_id: v.thread.id.clone(),
            label: v.label.clone(),
            state: v.state,
        })
        .collect()
}

/// What a note is about when none is given: the SCAL as a whole.
pub const WHOLE_SCAL: SubjectInput<'static> = SubjectInput {
    kind: "scal",
    sheet: None,
    requirement_id: None,
    service: None,
    step: None,
};

/// Records an internal note (NHS England only; to anyone else the SCAL's notes do not exist).
pub async fn add_note(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    subject: &SubjectInput<'_>,
    body: &str,
    now: OffsetDateTime,
) -> Result<NoteRecord> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::InternalNotes, Some(&product.org_id))?;
    let mut invalid = Invalid::default();
    let subject = match subject_in_scal(app, actor, &scal.id, subject).await? {
        Ok(subject) => Some(subject),
        Err(errors) => {
            invalid.0.extend(errors.0);
            None
        }
    };
    let body = invalid.check(thread::parse_body(body));
    let (subject, body) = invalid.finish(|| Some((subject?, body?)))?;
    let (author_id, author_name) = author(app, actor).await?;
    let mut tx = app.store.begin().await?;
    let note = NoteRecord {
        id: new_id(),
        scal_id: scal.id.clone(),
        subject,
        author_id,
        author_name,
        body,
        round: current_round(&mut tx, &scal.id).await?,
        created_at: micros(now),
    };
    threads::insert_note(tx.conn(), &note).await?;
    tx.audit(audit_entry(
        actor,
        now,
        "review.note_added",
        Some(&product.org_id),
        &note.id,
        None,
        Some(serde_json::json!({
            "scal_id": scal.id,
            "subject": note.subject.label(),
            "body": note.body,
            "round": note.round,
        })),
    ))
    .await?;
    tx.commit().await?;
    Ok(note)
}

/// The SCAL's internal notes, oldest first (NHS England only; not found for anyone else).
pub async fn notes_for_scal(app: &App, actor: &Actor, scal_id: &str) -> Result<Vec<NoteRecord>> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::InternalNotes, Some(&product.org_id))?;
    Ok(threads::notes_for_scal(app.store.pool(), &scal.id).await?)
}
