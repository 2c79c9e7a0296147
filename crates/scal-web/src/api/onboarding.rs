//! The supplier journey: enquiries, a SCAL by ID with its answers and cases, evidence,
//! submissions and notifications.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use scal_app::scals::{RequirementView, ScopeOut, SheetView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::scals::{RagSummaryOut, ScalRequirementOut};
use super::{rfc3339, wire, ApiActor};
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiQuery};
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, ToSchema)]
pub struct EnquiryIn {
    /// One of your products.
    #[serde(default)]
    #[schema(required)]
    pub product_id: wire::Id,
    /// Service codes from the catalogue, at least one (a code given twice counts once).
    #[serde(default)]
    #[schema(required, min_items = 1)]
    pub services: Vec<wire::ServiceCode>,
    /// Free-text, API-specific details.
    #[serde(default)]
    pub details: wire::OptionalText10000,
    /// Per service code (one of `services`), what the product will use the service for.
    /// Required for each service whose catalogue entry has `use_case_required`; optional for the
    /// others. It becomes the use case of the service's onboarding case when the SCAL is issued.
    #[serde(default)]
    pub use_cases: BTreeMap<String, wire::OptionalText10000>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnquiryOut {
    pub id: String,
    pub organisation_id: String,
    pub product_id: String,
    pub services: Vec<String>,
    pub details: String,
    /// Per service code, the use case given when asking.
    pub use_cases: BTreeMap<String, String>,
    /// `open` (waiting for NHS England), `more_information` (NHS England asked the supplier
    /// something: see `nhse_note`), `declined` (final) or `issued`.
    pub status: wire::EnquiryStatus,
    pub created_by: String,
    pub created_at: wire::Timestamp,
    pub issued_at: Option<wire::Timestamp>,
    /// The SCAL issued for it.
    pub scal_id: Option<String>,
    /// NHS England's question (`more_information`) or reason (`declined`).
    pub nhse_note: Option<String>,
    pub noted_at: Option<wire::Timestamp>,
    /// The supplier's answer to the latest question.
    pub supplier_reply: Option<String>,
}

impl From<scal_store::records::enquiries::EnquiryRecord> for EnquiryOut {
    fn from(e: scal_store::records::enquiries::EnquiryRecord) -> Self {
        Self {
            id: e.id,
            organisation_id: e.org_id,
            product_id: e.product_id,
            services: e.services,
            details: e.details,
            use_cases: e.use_cases,
            status: e.status.into(),
            created_by: e.created_by,
            created_at: rfc3339(e.created_at).into(),
            issued_at: e.issued_at.map(|at| rfc3339(at).into()),
            scal_id: e.scal_id,
            nhse_note: e.nhse_note,
            noted_at: e.noted_at.map(|at| rfc3339(at).into()),
            supplier_reply: e.supplier_reply,
        }
    }
}

/// Asks NHS England to onboard a product to services (supplier).
#[utoipa::path(post, path = "/api/v1/enquiries", tag = "onboarding", security(("bearer" = [])),
    request_body = EnquiryIn,
    responses((status = 201, body = EnquiryOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_enquiry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<EnquiryIn>,
) -> Result<(StatusCode, Json<EnquiryOut>), ApiError> {
    let input = scal_app::enquiries::EnquiryInput {
        product_id: body.product_id.into(),
        services: body.services.into_iter().map(Into::into).collect(),
        details: body.details.into(),
        use_cases: body
            .use_cases
            .into_iter()
            .map(|(code, text)| (code, text.into()))
            .collect(),
    };
    let record = scal_app::enquiries::create(&state.app, &actor, &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(record.into())))
}

/// Enquiries: NHS England sees every one (its queue), a supplier its own; newest first.
#[utoipa::path(get, path = "/api/v1/enquiries", tag = "onboarding", security(("bearer" = [])),
    responses((status = 200, body = Vec<EnquiryOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_enquiries(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<EnquiryOut>>, ApiError> {
    let list = scal_app::enquiries::list(&state.app, &actor).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[utoipa::path(get, path = "/api/v1/enquiries/{id}", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Enquiry ID")),
    responses((status = 200, body = EnquiryOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_enquiry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<EnquiryOut>, ApiError> {
    Ok(Json(scal_app::enquiries::get(&state.app, &actor, &id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TemplateChoiceIn {
    /// One of the services asked for.
    #[serde(default)]
    #[schema(required)]
    pub service: wire::ServiceCode,
    /// One of the service's templates [default, also when null: the newest template for the
    /// service].
    #[serde(default)]
    pub template_id: Option<wire::Id>,
    /// A published version of that template (or of the default one) [default: the latest
    /// published].
    #[serde(default, deserialize_with = "wire::optional_integer")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ScopeOutIn {
    /// One of the services asked for.
    #[serde(default)]
    #[schema(required)]
    pub service: wire::ServiceCode,
    /// A requirement of a sheet issued for that service.
    #[serde(default)]
    #[schema(required, min_length = 1)]
    pub requirement_id: String,
    /// Why it is taken out.
    #[serde(default)]
    #[schema(required)]
    pub reason: wire::Text1000,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct IssueEnquiryIn {
    /// Templates other than each service's default (the newest template for the service, its
    /// latest published version).
    #[serde(default)]
    pub templates: Vec<TemplateChoiceIn>,
    /// Requirements taken out of this SCAL, each with a reason.
    #[serde(default)]
    pub scoped_out: Vec<ScopeOutIn>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssueEnquiryOut {
    pub scal_id: String,
    pub sheets_added: Vec<String>,
    /// Services whose onboarding case was opened.
    pub cases_opened: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EnquiryQuestionIn {
    /// What NHS England needs to know.
    #[serde(default)]
    #[schema(required)]
    pub question: wire::Text10000,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EnquiryDeclineIn {
    /// Why the request is declined.
    #[serde(default)]
    #[schema(required)]
    pub reason: wire::Text10000,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EnquiryAnswerIn {
    /// The supplier's answer.
    #[serde(default)]
    #[schema(required)]
    pub answer: wire::Text10000,
}

/// Asks the supplier for more information about an open enquiry (NHS England): it waits for
/// their answer. 409 unless open.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/question", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Enquiry ID")), request_body = EnquiryQuestionIn,
    responses((status = 200, body = EnquiryOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ask_about_enquiry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EnquiryQuestionIn>,
) -> Result<Json<EnquiryOut>, ApiError> {
    let response = scal_app::enquiries::Response::AskForInformation;
    let enquiry = scal_app::enquiries::respond(&state.app, &actor, &id, response, &body.question, state.now()).await?;
    Ok(Json(enquiry.into()))
}

/// Declines an open enquiry, saying why (NHS England): final. 409 unless open.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/decline", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Enquiry ID")), request_body = EnquiryDeclineIn,
    responses((status = 200, body = EnquiryOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decline_enquiry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EnquiryDeclineIn>,
) -> Result<Json<EnquiryOut>, ApiError> {
    let response = scal_app::enquiries::Response::Decline;
    let enquiry = scal_app::enquiries::respond(&state.app, &actor, &id, response, &body.reason, state.now()).await?;
    Ok(Json(enquiry.into()))
}

/// Answers NHS England's question about an enquiry (the supplier): it is open again. 409 unless
/// NHS England asked something.
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/answer", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Enquiry ID")), request_body = EnquiryAnswerIn,
    responses((status = 200, body = EnquiryOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer_enquiry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EnquiryAnswerIn>,
) -> Result<Json<EnquiryOut>, ApiError> {
    let enquiry = scal_app::enquiries::answer(&state.app, &actor, &id, &body.answer, state.now()).await?;
    Ok(Json(enquiry.into()))
}

/// Issues the tailored SCAL for an enquiry (NHS England).
#[utoipa::path(post, path = "/api/v1/enquiries/{id}/issue", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Enquiry ID")), request_body = Option<IssueEnquiryIn>,
    responses((status = 200, body = IssueEnquiryOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue_enquiry(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<IssueEnquiryOut>, ApiError> {
    // An empty body takes every default.
    let body: IssueEnquiryIn = if body.iter().all(u8::is_ascii_whitespace) {
        IssueEnquiryIn::default()
    } else {
        // The API's one rule: not JSON at all is 400, JSON of the wrong shape 422 (as `ApiJson`).
        let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("The body is not valid JSON: {e}"),
            )
        })?;
        // `null` is the absent body too (the document allows it).
        if value.is_null() {
            IssueEnquiryIn::default()
        } else {
            crate::extract::object(value)?
        }
    };
    let input = scal_app::enquiries::IssueInput {
        templates: body
            .templates
            .into_iter()
            .map(|t| scal_app::enquiries::TemplateChoice {
                service: t.service.into(),
                template_id: t.template_id.map(String::from).unwrap_or_default(),
                version: t.version,
            })
            .collect(),
        scoped_out: body
            .scoped_out
            .into_iter()
            .map(|s| ScopeOut {
                service: s.service.into(),
                requirement_id: s.requirement_id,
                reason: s.reason.into(),
            })
            .collect(),
    };
    let issued = scal_app::enquiries::issue(&state.app, &actor, &id, &input, state.now()).await?;
    Ok(Json(IssueEnquiryOut {
        scal_id: issued.scal_id,
        sheets_added: issued.sheets_added,
        cases_opened: issued.cases_opened,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceRefOut {
    pub id: String,
    pub file_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScopedOutOut {
    pub requirement_id: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JourneySheetOut {
    pub id: String,
    pub name: String,
    pub kind: wire::SheetKind,
    /// The service the sheet was issued for; none for the information sheet.
    pub service: Option<String>,
    pub requirements: Vec<ScalRequirementOut>,
    pub scoped_out: Vec<ScopedOutOut>,
    pub summary: RagSummaryOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundOut {
    pub id: String,
    pub round: i64,
    /// `submitted` (with NHS England), `returned` (changes asked for), `accepted` (the accepted
    /// SCAL) or `withdrawn` (taken back by the supplier before a decision).
    pub status: wire::RoundStatus,
    /// SHA-256 of the round's canonical snapshot.
    pub sha256: String,
    pub submitted_by: String,
    pub submitted_at: wire::Timestamp,
    /// Who decided the round (returned or accepted it, or withdrew it), once decided.
    pub decided_by: Option<String>,
    pub decided_at: Option<wire::Timestamp>,
    /// NHS England's summary when it returned the round.
    pub summary: Option<String>,
}

impl From<scal_store::records::submissions::SubmissionRecord> for RoundOut {
    fn from(s: scal_store::records::submissions::SubmissionRecord) -> Self {
        Self {
            id: s.id,
            round: s.round,
            status: s.status.into(),
            sha256: s.sha256,
            submitted_by: s.submitted_by,
            submitted_at: rfc3339(s.submitted_at).into(),
            decided_by: s.decided_by,
            decided_at: s.decided_at.map(|at| rfc3339(at).into()),
            summary: s.summary,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JourneyScalOut {
    pub id: String,
    pub product_id: String,
    /// Submitted and with NHS England, or accepted and not reopened since: the supplier cannot
    /// change it.
    pub locked: bool,
    /// The information sheet must be confirmed again before the next submission.
    pub information_review: bool,
    pub sheets: Vec<JourneySheetOut>,
    pub summary: RagSummaryOut,
    pub rounds: Vec<RoundOut>,
    pub status: ScalStatusOut,
    /// Requirements an uplift changed whose answers are still to confirm (or change).
    pub to_confirm: Vec<ToConfirmOut>,
    /// Sheets a product change reopened that are still to confirm, by name.
    pub sheets_to_confirm: Vec<String>,
    /// What stops the SCAL being submitted now, in words (the same gate as submitting).
    pub blockers: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ToConfirmOut {
    pub sheet: String,
    pub requirement_id: String,
    /// What changed: `text`, `level (SHOULD to MUST)`.
    pub what: String,
}

/// Where the SCAL stands: the same status, by the same rule, as the dashboard and the SCAL page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScalStatusOut {
    /// `in_progress`, `ready_to_submit`, `with_nhs_england`, `returned`, `accepted`, `live`
    /// (accepted, every case's agreement accepted and go-live approved) or `reopened` (accepted,
    /// then reopened by an uplift or a product change).
    pub code: wire::ScalStatusCode,
    /// In plain English, e.g. "Returned: changes needed (round 1)".
    pub label: String,
    /// The round with NHS England, returned or accepted.
    pub round: Option<i64>,
    /// Why NHS England returned it.
    pub return_reason: Option<String>,
    /// Reopened: why (an uplift, a product change) and when it is due back.
    pub reopened_reason: Option<String>,
    pub reopened_due: Option<wire::Date>,
}

impl From<scal_domain::status::ScalStatus> for ScalStatusOut {
    fn from(status: scal_domain::status::ScalStatus) -> Self {
        use scal_domain::status::ScalStatus;
        let (round, return_reason) = match &status {
            ScalStatus::WithNhsEngland { round }
            | ScalStatus::Accepted { round }
            | ScalStatus::Live { round }
            | ScalStatus::Reopened { round, .. } => (Some(*round), None),
            ScalStatus::Returned { round, reason } => (Some(*round), reason.clone()),
            ScalStatus::InProgress | ScalStatus::ReadyToSubmit => (None, None),
        };
        let (reopened_reason, reopened_due) = match &status {
            ScalStatus::Reopened { reason, due, .. } => (Some(reason.clone()), due.map(|d| d.to_string().into())),
            _ => (None, None),
        };
        Self {
            code: status.code().into(),
            label: status.label(),
            round,
            return_reason,
            reopened_reason,
            reopened_due,
        }
    }
}

pub(crate) fn requirement_out(r: RequirementView) -> ScalRequirementOut {
    ScalRequirementOut {
        requirement_id: r.requirement.id,
        level: r.requirement.level.as_str().into(),
        text: r.requirement.text,
        answer: r.answer,
        justification: r.justification,
        mitigation: r.mitigation,
        target_date: r.target_date.map(Into::into),
        evidence: r
            .evidence
            .into_iter()
            .map(|e| EvidenceRefOut {
                id: e.id,
                file_name: e.file_name,
            })
            .collect(),
        rag: r.rag.as_str().into(),
    }
}

fn sheet_out(s: SheetView) -> JourneySheetOut {
    JourneySheetOut {
        id: s.id,
        name: s.name,
        kind: s.kind.as_str().into(),
        service: s.service_code,
        requirements: s.requirements.into_iter().map(requirement_out).collect(),
        scoped_out: s
            .scoped_out
            .into_iter()
            .map(|(requirement_id, reason)| ScopedOutOut { requirement_id, reason })
            .collect(),
        summary: s.summary.into(),
    }
}

/// A SCAL: its status, its sheets, every requirement's answer and colour (`red`, `amber`,
/// `green`, `none`), a summary, and its submitted rounds.
#[utoipa::path(get, path = "/api/v1/scals/{id}", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")),
    responses((status = 200, body = JourneyScalOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_scal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<JourneyScalOut>, ApiError> {
    let (view, cases) = scal_app::cases::cases(&state.app, &actor, &id, state.now()).await?;
    let status = scal_app::cases::status(&view, &cases).into();
    let locked = view.locked();
    let blockers = scal_app::submissions::blockers(&view, &cases, state.now())
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(Json(JourneyScalOut {
        status,
        blockers,
        to_confirm: view
            .to_confirm
            .iter()
            .map(|i| ToConfirmOut {
                sheet: i.sheet.clone(),
                requirement_id: i.requirement_id.clone(),
                what: i.what.clone(),
            })
            .collect(),
        sheets_to_confirm: view.sheets_to_confirm.iter().map(|s| s.sheet.clone()).collect(),
        id: view.scal.id,
        product_id: view.product.id,
        locked,
        information_review: view.scal.information_review,
        sheets: view.sheets.into_iter().map(sheet_out).collect(),
        summary: view.summary.into(),
        rounds: view.rounds.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
/// The whole answer to one requirement: a field left out, null or empty is cleared.
pub struct AnswerIn {
    /// One of the SCAL's sheets.
    #[serde(default)]
    #[schema(required)]
    pub sheet_id: wire::Id,
    /// A requirement of that sheet.
    #[serde(default)]
    #[schema(required, min_length = 1)]
    pub requirement_id: String,
    /// Yes, No or N/A for a declaration (any case: `y`, `NA`); a date for a date question
    /// (YYYY-MM-DD, or day first: 30/06/2026); one of the options for a choice; the text
    /// otherwise.
    #[serde(default)]
    pub answer: Option<wire::OptionalText10000>,
    #[serde(default)]
    pub justification: Option<wire::OptionalText10000>,
    #[serde(default)]
    pub mitigation: Option<wire::OptionalText10000>,
    /// For a red item: when the mitigation will be in place (YYYY-MM-DD; day first, 30/06/2026,
    /// is read too).
    #[serde(default)]
    pub target_date: Option<wire::Date>,
}

/// Saves one answer (supplier) and returns the requirement with its colour. A newly red answer
/// notifies NHS England's reviewers. 409 while the SCAL is submitted.
#[utoipa::path(put, path = "/api/v1/scals/{id}/answers", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")), request_body = AnswerIn,
    responses((status = 200, body = ScalRequirementOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_answer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnswerIn>,
) -> Result<Json<ScalRequirementOut>, ApiError> {
    let input = scal_app::scals::AnswerInput {
        sheet_id: body.sheet_id.into(),
        requirement_id: body.requirement_id,
        answer: body.answer.map(Into::into),
        justification: body.justification.map(Into::into),
        mitigation: body.mitigation.map(Into::into),
        target_date: body.target_date.map(Into::into),
    };
    let saved = scal_app::scals::save_answer(&state.app, &actor, &id, &input, state.now()).await?;
    Ok(Json(requirement_out(saved)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckOut {
    pub outcome: wire::CheckOutcome,
    pub message: String,
    /// Whether it stops submission.
    pub blocking: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepOut {
    #[schema(minimum = 1, maximum = 10)]
    pub number: u8,
    pub name: String,
    pub state: wire::StepState,
    pub checks: Vec<CheckOut>,
    /// Files attached to the information-sheet questions the step reads.
    pub evidence: Vec<EvidenceRefOut>,
    pub updated_by: Option<String>,
    pub updated_at: Option<wire::Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseOut {
    pub id: String,
    pub service: String,
    pub service_name: String,
    pub use_case: Option<String>,
    pub steps: Vec<StepOut>,
    /// The first step not done or not applicable.
    #[schema(minimum = 1, maximum = 10)]
    pub next_step: Option<u8>,
}

pub(crate) fn case_out(c: scal_app::cases::CaseView) -> CaseOut {
    let next_step = scal_domain::onboarding::next_step(&c.steps).map(|s| s.step.number());
    let evidence = |step| {
        c.evidence(step)
            .into_iter()
            .map(|e| EvidenceRefOut {
                id: e.id,
                file_name: e.file_name,
            })
            .collect()
    };
    CaseOut {
        id: c.id.clone(),
        service: c.service.code.as_str().into(),
        service_name: c.service.name.clone(),
        use_case: c.use_case.clone(),
        next_step,
        steps: c
            .steps
            .iter()
            .cloned()
            .map(|s| StepOut {
                number: s.step.number(),
                evidence: evidence(s.step),
                name: s.step.name().into(),
                state: s.state.as_str().into(),
                checks: s
                    .checks
                    .into_iter()
                    .map(|c| CheckOut {
                        outcome: c.outcome.as_str().into(),
                        message: c.message,
                        blocking: c.blocking,
                    })
                    .collect(),
                updated_by: s.updated_by,
                updated_at: s.updated_at.map(|at| rfc3339(at).into()),
            })
            .collect(),
    }
}

/// Each service's onboarding case with its ten steps, their states and automatic checks.
#[utoipa::path(get, path = "/api/v1/scals/{id}/cases", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")),
    responses((status = 200, body = Vec<CaseOut>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_cases(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<CaseOut>>, ApiError> {
    let (_, cases) = scal_app::cases::cases(&state.app, &actor, &id, state.now()).await?;
    Ok(Json(cases.into_iter().map(case_out).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UseCaseIn {
    /// Left out or empty clears it.
    #[serde(default)]
    pub use_case: wire::OptionalText10000,
}

/// Declares the use case for one service (step 1).
#[utoipa::path(put, path = "/api/v1/scals/{id}/cases/{service}/use-case", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID"), ("service" = wire::ServiceCode, Path, description = "Service code of one of the SCAL's cases")),
    request_body = UseCaseIn,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_use_case(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, service)): Path<(String, String)>,
    ApiJson(body): ApiJson<UseCaseIn>,
) -> Result<StatusCode, ApiError> {
    scal_app::cases::set_use_case(&state.app, &actor, &id, &service, &body.use_case, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Confirms the supplier and product information sheet again after onboarding to another service.
#[utoipa::path(post, path = "/api/v1/scals/{id}/information/confirm", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn confirm_information(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    scal_app::scals::confirm_information(&state.app, &actor, &id, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceOut {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: wire::Timestamp,
}

impl From<scal_store::records::evidence::EvidenceRecord> for EvidenceOut {
    fn from(e: scal_store::records::evidence::EvidenceRecord) -> Self {
        Self {
            id: e.id,
            file_name: e.file_name,
            content_type: e.content_type,
            size: e.size,
            sha256: e.sha256,
            uploaded_by: e.uploaded_by,
            uploaded_at: rfc3339(e.uploaded_at).into(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    /// The file's name [default: `evidence`]: its last path component is kept, control
    /// characters dropped, characters such as `"` `<` `:` `?` replaced, at most 120 characters.
    pub file_name: Option<String>,
}

/// Uploads an evidence file (the request body) for the SCAL's organisation. Accepted: PDF, PNG,
/// JPEG, DOCX, XLSX, TXT, CSV, ZIP, decided from the bytes; 25 MiB by default. A file that would
/// take the organisation's evidence over its quota (5 GiB by default, each distinct file counted
/// once) is refused as a field error on `file`.
#[utoipa::path(post, path = "/api/v1/scals/{id}/evidence", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID"), EvidenceQuery),
    request_body(content = inline(super::wire::Binary), content_type = "application/octet-stream"),
    responses((status = 201, body = EvidenceOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, description = "The file was removed by a collection of unreferenced files while it was stored; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn upload_evidence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<EvidenceQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<EvidenceOut>), ApiError> {
    let name = query.file_name.unwrap_or_else(|| "evidence".into());
    let record = scal_app::evidence::upload(&state.app, &actor, &id, &name, &body, state.now()).await?;
    Ok((StatusCode::CREATED, Json(record.into())))
}

/// The evidence files of the SCAL's organisation, newest first.
#[utoipa::path(get, path = "/api/v1/scals/{id}/evidence", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")),
    responses((status = 200, body = Vec<EvidenceOut>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_evidence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<EvidenceOut>>, ApiError> {
    let list = scal_app::evidence::list(&state.app, &actor, &id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkIn {
    /// One of the SCAL's sheets.
    #[serde(default)]
    #[schema(required)]
    pub sheet_id: wire::Id,
    /// A requirement of that sheet.
    #[serde(default)]
    #[schema(required, min_length = 1)]
    pub requirement_id: String,
}

/// Links a file to a requirement; an attachment question is then answered with its files' names.
#[utoipa::path(post, path = "/api/v1/scals/{id}/evidence/{evidence_id}/links", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID"), ("evidence_id" = String, Path, format = Uuid, description = "Evidence ID")),
    request_body = LinkIn,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn link_evidence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, evidence_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<LinkIn>,
) -> Result<StatusCode, ApiError> {
    scal_app::evidence::link(
        &state.app,
        &actor,
        &id,
        &evidence_id,
        &body.sheet_id,
        &body.requirement_id,
        state.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unlinks a file from a requirement (supplier, while the SCAL may be changed); an attachment
/// question is then answered by the files still linked, or is unanswered.
#[utoipa::path(delete, path = "/api/v1/scals/{id}/evidence/{evidence_id}/links", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID"), ("evidence_id" = String, Path, format = Uuid, description = "Evidence ID")),
    request_body = LinkIn,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn unlink_evidence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, evidence_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<LinkIn>,
) -> Result<StatusCode, ApiError> {
    scal_app::evidence::unlink(
        &state.app,
        &actor,
        &id,
        &evidence_id,
        &body.sheet_id,
        &body.requirement_id,
        state.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes one of your organisation's files (supplier), unlinking it everywhere. 409 while a
/// submitted round names it (what was submitted stays as it was) or a SCAL it backs is with NHS
/// England.
#[utoipa::path(delete, path = "/api/v1/evidence/{id}", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Evidence ID")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_evidence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    scal_app::evidence::delete(&state.app, &actor, &id, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An evidence file's bytes, with its sniffed content type.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Evidence ID")),
    responses((status = 200, description = "The file, with its own type", content((super::wire::Binary = "application/pdf"), (super::wire::Binary = "image/png"), (super::wire::Binary = "image/jpeg"), (super::wire::Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (super::wire::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (super::wire::Binary = "application/zip"), (super::wire::Binary = "text/plain"), (super::wire::Binary = "text/csv"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download_evidence(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let (record, bytes) = scal_app::evidence::download(&state.app, &actor, &id).await?;
    Ok(crate::file_download(&record.file_name, &record.content_type, bytes))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmittedOut {
    pub id: String,
    pub round: i64,
    /// SHA-256 of the snapshot's canonical form.
    pub sha256: String,
    pub status: wire::RoundStatus,
}

/// Submits the SCAL (supplier): 201 with the round and its hash, or 422 listing every blocking
/// finding in `error.fields` (field `submission`); 409 while a round is with NHS England.
#[utoipa::path(post, path = "/api/v1/scals/{id}/submissions", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")),
    responses((status = 201, body = SubmittedOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<SubmittedOut>), ApiError> {
    let record = scal_app::submissions::submit(&state.app, &actor, &id, state.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(SubmittedOut {
            id: record.id,
            round: record.round,
            sha256: record.sha256,
            status: record.status.into(),
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionOut {
    // Its `id` is the round's (flattened below): one key, not two.
    pub scal_id: String,
    pub product_id: String,
    pub product: String,
    pub organisation_id: String,
    /// When NHS England's response is due: working days after submission, skipping weekends
    /// and bank holidays in England and Wales.
    pub due_date: wire::Date,
    /// Still with NHS England after its due date.
    pub overdue: bool,
    /// Who at NHS England reviews it (a user ID), if anyone has taken it.
    pub reviewer_id: Option<String>,
    /// Their name.
    pub reviewer: Option<String>,
    #[serde(flatten)]
    pub round: RoundOut,
}

impl SubmissionOut {
    pub(crate) fn new(v: scal_app::submissions::SubmissionView, today: time::Date) -> Self {
        Self {
            scal_id: v.submission.scal_id.clone(),
            overdue: v.overdue(today),
            due_date: v.due.to_string().into(),
            reviewer_id: v.reviewer.as_ref().map(|(id, _)| id.clone()),
            reviewer: v.reviewer.as_ref().map(|(_, name)| name.clone()),
            product_id: v.product.id,
            product: v.product.details.title(),
            organisation_id: v.product.org_id,
            round: v.submission.into(),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubmissionsQuery {
    /// `submitted` (NHS England's queue), `returned`, `accepted` or `withdrawn`.
    pub status: Option<wire::RoundStatus>,
    /// Submissions after this one (for the next page: the ID of the last submission of the page
    /// before).
    #[param(format = Uuid)]
    pub after: Option<String>,
    /// At most this many submissions (default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
}

/// Submissions: NHS England sees all, a supplier its own; oldest first (by submission time),
/// a page at a time: at most `limit` (default 100); pass the last ID as `after` for the next
/// page, which is empty after the last. 404 when `after` is not a submission the caller can see;
/// 422 (`status`) for a status that is not one of the four, (`limit`) for a page size outside 1
/// to 500.
#[utoipa::path(get, path = "/api/v1/submissions", tag = "onboarding", security(("bearer" = [])),
    params(SubmissionsQuery),
    responses((status = 200, body = Vec<SubmissionOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "`after` names no submission the caller can see", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_submissions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<SubmissionsQuery>,
) -> Result<Json<Vec<SubmissionOut>>, ApiError> {
    let limit = query.limit.unwrap_or(scal_app::submissions::PAGE_DEFAULT);
    let list = scal_app::submissions::page(
        &state.app,
        &actor,
        query.status.as_deref(),
        query.after.as_deref(),
        Some(limit),
    )
    .await?;
    let today = state.now().date();
    Ok(Json(list.into_iter().map(|v| SubmissionOut::new(v, today)).collect()))
}

#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Submission ID")),
    responses((status = 200, body = SubmissionOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_submission(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<SubmissionOut>, ApiError> {
    let view = scal_app::submissions::get(&state.app, &actor, &id).await?;
    Ok(Json(SubmissionOut::new(view, state.now().date())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewerIn {
    /// The NHS England user (a reviewer or an administrator) who reviews the round. A reviewer
    /// may only give it to themselves; an administrator to anyone at NHS England.
    #[serde(default)]
    #[schema(required)]
    pub reviewer_id: wire::Id,
}

/// Gives a round waiting for review to a reviewer (NHS England). 409 once it is no longer with
/// NHS England.
#[utoipa::path(post, path = "/api/v1/submissions/{id}/reviewer", operation_id = "assign_submission_reviewer", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Submission ID")), request_body = ReviewerIn,
    responses((status = 200, body = SubmissionOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign_reviewer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReviewerIn>,
) -> Result<Json<SubmissionOut>, ApiError> {
    let view = scal_app::submissions::assign(&state.app, &actor, &id, &body.reviewer_id, state.now()).await?;
    Ok(Json(SubmissionOut::new(view, state.now().date())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReturnIn {
    /// What the supplier needs to change.
    #[serde(default)]
    #[schema(required)]
    pub reason: wire::Text10000,
}

/// Returns a submitted round to the supplier for changes (NHS England).
#[utoipa::path(post, path = "/api/v1/submissions/{id}/return", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Submission ID")), request_body = ReturnIn,
    responses((status = 200, body = SubmissionOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn return_submission(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReturnIn>,
) -> Result<Json<SubmissionOut>, ApiError> {
    let view = scal_app::review::return_for_changes(&state.app, &actor, &id, &body.reason, state.now()).await?;
    Ok(Json(SubmissionOut::new(view, state.now().date())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: String,
    pub at: wire::Timestamp,
    /// What it is about, like `red_item`, `enquiry`, `issued`, `submitted`, `returned` or
    /// `thread` (a message in a question thread).
    pub kind: String,
    pub message: String,
    /// The page it is about.
    pub link: String,
    pub read: bool,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "onboarding", security(("bearer" = [])),
    responses((status = 200, body = Vec<NotificationOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_notifications(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<NotificationOut>>, ApiError> {
    let list = scal_app::notifications::list(&state.app, &actor).await?;
    Ok(Json(
        list.into_iter()
            .map(|n| NotificationOut {
                id: n.id,
                at: rfc3339(n.at).into(),
                kind: n.kind,
                message: n.message,
                link: n.link,
                read: n.read_at.is_some(),
            })
            .collect(),
    ))
}
