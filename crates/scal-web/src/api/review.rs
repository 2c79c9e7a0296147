//! NHS England's review of a round: every item with its verdict, recording verdicts and
//! decisions, accepting, and the supplier withdrawing a round.

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::onboarding::SubmissionOut;
use super::{rfc3339, wire, ApiActor};
use crate::error::ErrorBody;
use crate::extract::ApiJson;
use crate::{ApiError, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct ConditionOut {
    pub text: String,
    pub due_date: wire::Date,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerdictOut {
    pub verdict: wire::Verdict,
    pub comment: Option<String>,
    /// On a red item only.
    pub decision: Option<wire::Decision>,
    pub conditions: Vec<ConditionOut>,
    /// Carried from this earlier round, where it was given, because the item did not change.
    pub carried_from_round: Option<i64>,
    pub recorded_by: String,
    pub recorded_at: wire::Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceFileOut {
    pub name: String,
    pub sha256: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItemOut {
    /// The sheet's name: with `requirement_id`, what identifies the item.
    pub sheet: String,
    pub requirement_id: String,
    pub level: wire::Level,
    pub text: String,
    /// As submitted in this round.
    pub answer: Option<String>,
    pub justification: Option<String>,
    pub mitigation: Option<String>,
    pub target_date: Option<wire::Date>,
    pub rag: wire::Rag,
    pub evidence: Vec<EvidenceFileOut>,
    /// `None` until a reviewer records one (a supplier sees verdicts once the round is decided).
    pub verdict: Option<VerdictOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewOut {
    pub submission: SubmissionOut,
    pub items: Vec<ReviewItemOut>,
    /// Items without a verdict yet.
    pub unreviewed: usize,
    /// While the round waits for a decision (NHS England only): everything that stops it being
    /// accepted, in words. Empty: it can be accepted.
    pub blockers: Vec<String>,
}

impl ReviewOut {
    pub fn new(review: scal_app::review::RoundReview, today: time::Date) -> Self {
        let unreviewed = review.unreviewed();
        let blockers = review.blockers.iter().map(|b| b.message()).collect();
        let items = review
            .items
            .iter()
            .map(|item| ReviewItemOut {
                sheet: item.sheet.clone(),
                requirement_id: item.id.clone(),
                level: item.level.clone().into(),
                text: item.text.clone(),
                answer: item.answer.clone(),
                justification: item.justification.clone(),
                mitigation: item.mitigation.clone(),
                target_date: item.target_date.clone().map(Into::into),
                rag: item.rag.as_str().into(),
                evidence: item
                    .evidence
                    .iter()
                    .map(|(name, sha256)| EvidenceFileOut {
                        name: name.clone(),
                        sha256: sha256.clone(),
                    })
                    .collect(),
                verdict: review.verdict(&item.key()).map(|v| VerdictOut {
                    verdict: v.review.verdict.as_str().into(),
                    comment: v.review.comment.clone(),
                    decision: v.review.decision.map(|d| d.as_str().into()),
                    conditions: v
                        .review
                        .conditions
                        .iter()
                        .map(|c| ConditionOut {
                            text: c.text.clone(),
                            due_date: c.due.to_string().into(),
                        })
                        .collect(),
                    carried_from_round: v.carried_from_round,
                    recorded_by: v.recorded_by.clone(),
                    recorded_at: rfc3339(v.recorded_at).into(),
                }),
            })
            .collect();
        Self {
            submission: SubmissionOut::new(review.round, today),
            items,
            unreviewed,
            blockers,
        }
    }
}

/// A round's items as submitted, each with its verdict: NHS England always, the supplier its own
/// (verdicts once the round is decided).
#[utoipa::path(get, path = "/api/v1/submissions/{id}/review", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Submission ID")),
    responses((status = 200, body = ReviewOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_review(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ReviewOut>, ApiError> {
    let review = scal_app::review::get(&state.app, &actor, &id, state.now().date()).await?;
    Ok(Json(ReviewOut::new(review, state.now().date())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ConditionIn {
    /// What the supplier must do.
    #[serde(default)]
    #[schema(required)]
    pub text: wire::Text2000,
    /// When, not in the past: YYYY-MM-DD (day first, 30/06/2026, is read too).
    #[serde(default)]
    #[schema(required)]
    pub due_date: wire::Date,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerdictIn {
    /// The item's sheet name, as in the review.
    #[serde(default)]
    #[schema(required, min_length = 1)]
    pub sheet: String,
    #[serde(default)]
    #[schema(required, min_length = 1)]
    pub requirement_id: String,
    /// An amber item is accepted or queried.
    #[serde(default)]
    #[schema(required)]
    pub verdict: wire::Verdict,
    /// Required for `query` and `not_accepted`: what the supplier reads.
    #[serde(default)]
    pub comment: wire::OptionalText10000,
    /// Required on a red item, refused on any other (left out or null there). A red item cannot
    /// be `accepted` with `not_agreed`.
    #[serde(default)]
    pub decision: Option<wire::Decision>,
    /// Only, and at least one, with `agreed_with_conditions`.
    #[serde(default)]
    pub conditions: Vec<ConditionIn>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerdictsIn {
    /// At least one; recorded all or nothing. With more than one, each problem's field is
    /// prefixed with the item: `items[SHEET/ID].verdict`.
    #[serde(default)]
    #[schema(required, min_items = 1)]
    pub verdicts: Vec<VerdictIn>,
}

/// Records verdicts on items of a round waiting for review (NHS England), replacing any earlier
/// verdict on the same item. 422 names every problem and stores nothing; 409 once the round is
/// decided.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/verdicts", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Submission ID")), request_body = VerdictsIn,
    responses((status = 200, body = ReviewOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_verdicts(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VerdictsIn>,
) -> Result<Json<ReviewOut>, ApiError> {
    let inputs: Vec<scal_app::review::VerdictInput> = body
        .verdicts
        .into_iter()
        .map(|v| scal_app::review::VerdictInput {
            sheet: v.sheet,
            requirement_id: v.requirement_id,
            verdict: v.verdict.into(),
            comment: v.comment.into(),
            decision: v.decision.map(String::from).unwrap_or_default(),
            conditions: v
                .conditions
                .into_iter()
                .map(|c| (c.text.into(), c.due_date.into()))
                .collect(),
        })
        .collect();
    let review = scal_app::review::record(&state.app, &actor, &id, &inputs, state.now()).await?;
    Ok(Json(ReviewOut::new(review, state.now().date())))
}

/// Accepts a round (NHS England): it becomes the accepted SCAL, read-only for the supplier. 409
/// `blocked`, listing every blocker, while any item has no verdict or one other than accepted, a
/// red item is not agreed or a thread is unresolved; 409 `conflict` once decided.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/accept", operation_id = "accept_submission", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Submission ID")),
    responses((status = 200, body = SubmissionOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<SubmissionOut>, ApiError> {
    let view = scal_app::review::accept(&state.app, &actor, &id, state.now()).await?;
    Ok(Json(SubmissionOut::new(view, state.now().date())))
}

/// Withdraws a round before NHS England decides (the supplier): the SCAL can be changed again and
/// the next submission is a new round. 409 once decided.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/withdraw", operation_id = "withdraw_submission", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Submission ID")),
    responses((status = 200, body = SubmissionOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<SubmissionOut>, ApiError> {
    let view = scal_app::review::withdraw(&state.app, &actor, &id, state.now()).await?;
    Ok(Json(SubmissionOut::new(view, state.now().date())))
}

/// The round as a workbook to review offline (NHS England): the supplier's answers locked; a
/// verdict, a decision (red items), NHS England comments and conditions column open, with
/// drop-downs; verdicts so far filled in. A hidden `_review` sheet identifies the round and its
/// rows.
#[utoipa::path(get, path = "/api/v1/submissions/{id}/review/workbook", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Submission ID")),
    responses((status = 200, description = "The review workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn review_workbook(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let workbook = scal_app::review::export_workbook(&state.app, &actor, &id, state.now()).await?;
    Ok(crate::xlsx_download(workbook))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkbookReviewOut {
    /// Verdicts recorded from the workbook.
    pub recorded: usize,
    /// Rows whose review cells were as downloaded: left as they are.
    pub unchanged: usize,
    pub review: ReviewOut,
}

/// Records the verdicts in a review workbook (the request body, as downloaded from
/// `GET .../review/workbook` and filled in), matched by sheet and requirement ID and held to the
/// same rules as `POST .../verdicts`. All or nothing: 422 names every problem by sheet, row and
/// column (`field` is the cell, `'Sheet'!J5`) and records nothing; a workbook of another round,
/// or a row edited over a verdict recorded since the download, is refused. 409 once decided.
#[utoipa::path(put, path = "/api/v1/submissions/{id}/review/workbook", tag = "review", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Submission ID")),
    request_body(content = inline(super::wire::Binary), content_type = "application/octet-stream"),
    responses((status = 200, body = WorkbookReviewOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 503, description = "Too many workbooks are being parsed; retry after the `Retry-After` seconds", body = ErrorBody)))]
pub async fn upload_review_workbook(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<WorkbookReviewOut>, ApiError> {
    let outcome =
        scal_app::review::import_workbook(&state.app, &actor, &id, body, state.upload_limits(), state.now()).await?;
    Ok(Json(WorkbookReviewOut {
        recorded: outcome.recorded,
        unchanged: outcome.unchanged,
        review: ReviewOut::new(outcome.review, state.now().date()),
    }))
}
