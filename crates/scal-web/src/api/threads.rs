//! NHS England's question threads on a SCAL and its internal notes.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use scal_app::threads::ThreadView;
use scal_domain::thread::{Side, Subject, SubjectInput, SubjectKind, ThreadState};
use scal_store::records::threads::{MessageRecord, NoteRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{rfc3339, wire, ApiActor};
use crate::error::ErrorBody;
use crate::extract::ApiJson;
use crate::{ApiError, AppState};

/// Where a thread stands, derived from its facts: `resolved` once NHS England resolved it,
/// `answered` when the supplier wrote the last message, `open` otherwise.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThreadStateOut {
    Open,
    Answered,
    Resolved,
}

/// Which side wrote a message.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SideOut {
    NhsEngland,
    Supplier,
}

impl From<ThreadState> for ThreadStateOut {
    fn from(state: ThreadState) -> Self {
        match state {
            ThreadState::Open => Self::Open,
            ThreadState::Answered => Self::Answered,
            ThreadState::Resolved => Self::Resolved,
        }
    }
}

impl From<Side> for SideOut {
    fn from(side: Side) -> Self {
        match side {
            Side::NhsEngland => Self::NhsEngland,
            Side::Supplier => Self::Supplier,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectOut {
    /// `item`: a requirement or information question on one of the SCAL's sheets (`sheet` and
    /// `requirement_id`); `step`: a step of one of the SCAL's onboarding cases (`service` and
    /// `step`); `scal`: the SCAL as a whole.
    pub kind: wire::SubjectKind,
    /// The sheet's name, for an item.
    pub sheet: Option<String>,
    /// The sheet's ID, for an item on a sheet the SCAL has.
    pub sheet_id: Option<String>,
    pub requirement_id: Option<String>,
    /// The service's code, for a step.
    pub service: Option<String>,
    /// For a step.
    #[schema(minimum = 1, maximum = 10)]
    pub step: Option<u8>,
    /// In plain English, e.g. "Requirement GPCM-SD-03 on sheet GP Connect".
    pub label: String,
}

fn subject_out(subject: &Subject, sheet_id: Option<String>) -> SubjectOut {
    let mut out = SubjectOut {
        kind: SubjectKind::Scal.as_str().into(),
        sheet: None,
        sheet_id,
        requirement_id: None,
        service: None,
        step: None,
        label: subject.label(),
    };
    match subject {
        Subject::Item { sheet, requirement_id } => {
            out.kind = SubjectKind::Item.as_str().into();
            out.sheet = Some(sheet.clone());
            out.requirement_id = Some(requirement_id.clone());
        }
        Subject::Step { service, step } => {
            out.kind = SubjectKind::Step.as_str().into();
            out.service = Some(service.clone());
            out.step = Some(step.number());
        }
        Subject::Scal => {}
    }
    out
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageOut {
    pub id: String,
    /// The author's name.
    pub author: String,
    pub side: SideOut,
    pub body: String,
    /// The SCAL's latest submitted round when it was written (0 before the first submission).
    pub round: i64,
    pub created_at: wire::Timestamp,
}

impl From<MessageRecord> for MessageOut {
    fn from(m: MessageRecord) -> Self {
        Self {
            id: m.id,
            author: m.author_name,
            side: m.side.into(),
            body: m.body,
            round: m.round,
            created_at: rfc3339(m.created_at).into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ThreadOut {
    pub id: String,
    pub scal_id: String,
    pub subject: SubjectOut,
    pub state: ThreadStateOut,
    pub opened_at: wire::Timestamp,
    pub resolved_at: Option<wire::Timestamp>,
    /// In the order written.
    pub messages: Vec<MessageOut>,
}

impl From<ThreadView> for ThreadOut {
    fn from(v: ThreadView) -> Self {
        Self {
            subject: subject_out(&v.thread.subject, v.sheet_id),
            state: v.state.into(),
            id: v.thread.id,
            scal_id: v.thread.scal_id,
            opened_at: rfc3339(v.thread.opened_at).into(),
            resolved_at: v.thread.resolved_at.map(|at| rfc3339(at).into()),
            messages: v.messages.into_iter().map(Into::into).collect(),
        }
    }
}

/// A subject as sent: the kind and the fields it needs.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SubjectIn {
    /// `item` (a requirement or information question on one of the SCAL's sheets: `sheet` and
    /// `requirement_id`), `step` (a step of one of its onboarding cases: `service` and `step`) or
    /// `scal` (the SCAL as a whole) [default: `item` when `sheet` or `requirement_id` is given,
    /// `step` when `service` or `step` is; for a note, else `scal`; for a thread, one of these
    /// is needed].
    #[serde(default)]
    pub subject: Option<wire::SubjectKind>,
    /// The sheet's name, for an item: one of the SCAL's sheets.
    #[serde(default)]
    pub sheet: Option<String>,
    /// For an item: a requirement of that sheet.
    #[serde(default)]
    pub requirement_id: Option<String>,
    /// The service's code, for a step: one of the SCAL's cases.
    #[serde(default)]
    pub service: Option<String>,
    /// For a step.
    #[serde(default, deserialize_with = "wire::optional_integer")]
    #[schema(minimum = 1, maximum = 10)]
    pub step: Option<i64>,
}

impl SubjectIn {
    /// The step as the domain parser reads it. A step out of 1 to 10 is refused whatever the
    /// subject, so a body the document forbids is never quietly taken.
    fn step(&self) -> Result<Option<String>, scal_app::AppError> {
        match self.step {
            Some(n) if !(1..=10).contains(&n) => Err(scal_app::AppError::invalid(
                "step",
                "The step must be a number from 1 to 10",
            )),
            step => Ok(step.map(|n| n.to_string())),
        }
    }

    /// The subject as typed; without a kind, the fields given say which (`default_kind` when
    /// none is).
    fn input<'a>(&'a self, step: &'a Option<String>, default_kind: &'a str) -> SubjectInput<'a> {
        let kind = match &self.subject {
            Some(kind) => kind.0.as_str(),
            None if self.sheet.is_some() || self.requirement_id.is_some() => "item",
            None if self.service.is_some() || step.is_some() => "step",
            None => default_kind,
        };
        SubjectInput {
            kind,
            sheet: self.sheet.as_deref(),
            requirement_id: self.requirement_id.as_deref(),
            service: self.service.as_deref(),
            step: step.as_deref(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ThreadIn {
    #[serde(flatten)]
    pub subject: SubjectIn,
    /// The question.
    #[serde(default)]
    #[schema(required)]
    pub body: wire::Text10000,
}

/// Opens a question thread on an item, a step or the SCAL as a whole (NHS England). The supplier
/// is told (in the app and by email).
#[utoipa::path(post, path = "/api/v1/scals/{id}/threads", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")), request_body = ThreadIn,
    responses((status = 201, body = ThreadOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open_thread(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ThreadIn>,
) -> Result<(StatusCode, Json<ThreadOut>), ApiError> {
    let step = body.subject.step()?;
    let subject = body.subject.input(&step, "");
    let view = scal_app::threads::open(&state.app, &actor, &id, &subject, &body.body, state.now()).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// The SCAL's question threads, oldest first, with their messages and states (NHS England, or
/// the SCAL's supplier).
#[utoipa::path(get, path = "/api/v1/scals/{id}/threads", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")),
    responses((status = 200, body = Vec<ThreadOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn list_threads(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<ThreadOut>>, ApiError> {
    let list = scal_app::threads::list_for_scal(&state.app, &actor, &id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/threads/{id}", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Thread ID")),
    responses((status = 200, body = ThreadOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_thread(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ThreadOut>, ApiError> {
    Ok(Json(scal_app::threads::get(&state.app, &actor, &id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MessageIn {
    #[serde(default)]
    #[schema(required)]
    pub body: wire::Text10000,
}

/// Writes in a thread: NHS England, or the SCAL's supplier (also while the round is with NHS
/// England: it changes no answer). The other side is told. 409 once the thread is resolved.
#[utoipa::path(post, path = "/api/v1/threads/{id}/messages", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Thread ID")), request_body = MessageIn,
    responses((status = 201, body = ThreadOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MessageIn>,
) -> Result<(StatusCode, Json<ThreadOut>), ApiError> {
    let view = scal_app::threads::reply(&state.app, &actor, &id, &body.body, state.now()).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// Marks a thread resolved (NHS England only). 409 when it already is.
#[utoipa::path(post, path = "/api/v1/threads/{id}/resolve", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Thread ID")),
    responses((status = 200, body = ThreadOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ThreadOut>, ApiError> {
    Ok(Json(
        scal_app::threads::resolve(&state.app, &actor, &id, state.now())
            .await?
            .into(),
    ))
}

/// An internal note of NHS England's: never shown to the supplier.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteOut {
    pub id: String,
    pub subject: SubjectOut,
    pub author: String,
    pub body: String,
    /// The SCAL's latest submitted round when it was written (0 before the first submission).
    pub round: i64,
    pub created_at: wire::Timestamp,
}

impl From<NoteRecord> for NoteOut {
    fn from(n: NoteRecord) -> Self {
        Self {
            subject: subject_out(&n.subject, None),
            id: n.id,
            author: n.author_name,
            body: n.body,
            round: n.round,
            created_at: rfc3339(n.created_at).into(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NoteIn {
    /// What the note is about [default: the SCAL as a whole].
    #[serde(flatten)]
    pub subject: SubjectIn,
    #[serde(default)]
    #[schema(required)]
    pub body: wire::Text10000,
}

/// Records an internal note (NHS England). To anyone else a SCAL's notes do not exist: 404.
#[utoipa::path(post, path = "/api/v1/scals/{id}/notes", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")), request_body = NoteIn,
    responses((status = 201, body = NoteOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NoteIn>,
) -> Result<(StatusCode, Json<NoteOut>), ApiError> {
    let step = body.subject.step()?;
    let subject = body.subject.input(&step, "scal");
    let note = scal_app::threads::add_note(&state.app, &actor, &id, &subject, &body.body, state.now()).await?;
    Ok((StatusCode::CREATED, Json(note.into())))
}

/// The SCAL's internal notes, oldest first (NHS England). 404 for anyone else.
#[utoipa::path(get, path = "/api/v1/scals/{id}/notes", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")),
    responses((status = 200, body = Vec<NoteOut>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_notes(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<NoteOut>>, ApiError> {
    let notes = scal_app::threads::notes_for_scal(&state.app, &actor, &id).await?;
    Ok(Json(notes.into_iter().map(Into::into).collect()))
}
