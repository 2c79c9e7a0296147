use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{wire, ApiActor};
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiQuery};
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, ToSchema)]
pub struct IssueIn {
    #[serde(default)]
    #[schema(required)]
    pub template_id: wire::Id,
    /// A published version [default: the latest published].
    #[serde(default, deserialize_with = "wire::optional_integer")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssueOut {
    /// Sheets added to the product's SCAL (sheets it already had are kept).
    pub sheets_added: Vec<String>,
}

/// Issues a published template's sheets to a product's SCAL (NHS England).
#[utoipa::path(post, path = "/api/v1/products/{id}/scal/issue", operation_id = "issue_scal", tag = "scal", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Product ID")), request_body = IssueIn,
    responses((status = 200, body = IssueOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<IssueIn>,
) -> Result<Json<IssueOut>, ApiError> {
    let sheets_added =
        scal_app::scals::issue(&state.app, &actor, &id, &body.template_id, body.version, state.now()).await?;
    Ok(Json(IssueOut { sheets_added }))
}

/// The product's SCAL as an `.xlsx` workbook with the answers given so far, stamped for re-import.
#[utoipa::path(get, path = "/api/v1/products/{id}/workbook", operation_id = "product_workbook", tag = "scal", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Product ID")),
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn workbook(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let workbook = scal_app::scals::workbook(&state.app, &actor, &id, state.now()).await?;
    Ok(crate::xlsx_download(workbook))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnswersQuery {
    /// The uploaded file's name [default: `answers.xlsx`].
    pub file_name: Option<String>,
    /// Also apply rows changed on the server since the workbook was exported.
    pub overwrite: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswersOut {
    pub applied: usize,
    /// The rows written: `sheet`, `row`, `requirement_id`.
    #[schema(value_type = Vec<Object>)]
    pub applied_rows: serde_json::Value,
    pub unchanged: usize,
    pub overwritten: usize,
    /// Rows changed on the server after the export: `sheet`, `row`, `requirement_id`, `changed_by`, `changed_at`.
    #[schema(value_type = Vec<Object>)]
    pub conflicts: serde_json::Value,
    /// When the workbook was exported, from its stamp.
    pub exported_at: Option<String>,
    /// How the workbook differs from its export (rows or sheets deleted, their stored answers
    /// kept; a sheet renamed; a level edited): `sheet`, `row`, `requirement_id`, `message`.
    #[schema(value_type = Vec<Object>)]
    pub warnings: serde_json::Value,
}

/// Applies the answers in a completed workbook (the request body), matched by sheet and
/// requirement ID. Invalid values are all reported by sheet, row and column, and nothing is applied.
#[utoipa::path(post, path = "/api/v1/products/{id}/answers/import", tag = "scal", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Product ID"), AnswersQuery),
    request_body(content = inline(super::wire::Binary), content_type = "application/octet-stream"),
    responses((status = 200, body = AnswersOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, description = "Too many workbooks are being parsed; retry after the `Retry-After` seconds", body = ErrorBody)))]
pub async fn import_answers(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<AnswersQuery>,
    body: Bytes,
) -> Result<Json<AnswersOut>, ApiError> {
    let upload = scal_app::scals::AnswersUpload {
        file_name: query.file_name.unwrap_or_else(|| "answers.xlsx".into()),
        bytes: body,
        overwrite: query.overwrite.unwrap_or(false),
    };
    let report =
        scal_app::scals::import_answers(&state.app, &actor, &id, &upload, state.upload_limits(), state.now()).await?;
    Ok(Json(AnswersOut {
        applied: report.applied,
        applied_rows: serde_json::to_value(&report.applied_rows).unwrap_or_default(),
        unchanged: report.unchanged,
        overwritten: report.overwritten,
        conflicts: serde_json::to_value(&report.conflicts).unwrap_or_default(),
        exported_at: report.exported_at,
        warnings: serde_json::to_value(&report.warnings).unwrap_or_default(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScalRequirementOut {
    pub requirement_id: String,
    pub level: wire::Level,
    pub text: String,
    pub answer: Option<String>,
    pub justification: Option<String>,
    pub mitigation: Option<String>,
    /// For a red item: when its mitigation will be in place.
    pub target_date: Option<wire::Date>,
    /// Files backing the answer.
    pub evidence: Vec<super::onboarding::EvidenceRefOut>,
    pub rag: wire::Rag,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RagSummaryOut {
    pub red: usize,
    pub amber: usize,
    pub green: usize,
    pub unanswered: usize,
}

impl From<scal_app::scals::RagSummary> for RagSummaryOut {
    fn from(s: scal_app::scals::RagSummary) -> Self {
        Self {
            red: s.red,
            amber: s.amber,
            green: s.green,
            unanswered: s.unanswered,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScalSheetOut {
    pub id: String,
    pub name: String,
    pub kind: wire::SheetKind,
    pub requirements: Vec<ScalRequirementOut>,
    pub summary: RagSummaryOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScalOut {
    pub sheets: Vec<ScalSheetOut>,
    pub summary: RagSummaryOut,
}

/// The product's SCAL: its sheets, every requirement's answer and red/amber/green colour.
#[utoipa::path(get, path = "/api/v1/products/{id}/scal", tag = "scal", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Product ID")),
    responses((status = 200, body = ScalOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn view(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ScalOut>, ApiError> {
    let (sheets, summary) = scal_app::scals::view(&state.app, &actor, &id).await?;
    Ok(Json(ScalOut {
        sheets: sheets
            .into_iter()
            .map(|s| ScalSheetOut {
                id: s.id,
                name: s.name,
                kind: s.kind.as_str().into(),
                requirements: s
                    .requirements
                    .into_iter()
                    .map(super::onboarding::requirement_out)
                    .collect(),
                summary: s.summary.into(),
            })
            .collect(),
        summary: summary.into(),
    }))
}
