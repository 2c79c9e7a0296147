use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiActor;
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiQuery};
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, ToSchema)]
pub struct IssueIn {
    #[serde(default)]
    pub template_id: String,
    /// A published version [default: the latest published].
    pub version: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssueOut {
    /// Sheets added to the product's SCAL (sheets it already had are kept).
    pub sheets_added: Vec<String>,
}

/// Issues a published template's sheets to a product's SCAL (NHS England).
#[utoipa::path(post, path = "/api/v1/products/{id}/scal/issue", tag = "scal", security(("bearer" = [])),
    params(("id" = String, Path, description = "Product ID")), request_body = IssueIn,
    responses((status = 200, body = IssueOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
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
#[utoipa::path(get, path = "/api/v1/products/{id}/workbook", tag = "scal", security(("bearer" = [])),
    params(("id" = String, Path, description = "Product ID")),
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
    pub file_name: Option<String>,
    /// Also apply rows changed on the server since the workbook was exported.
    pub overwrite: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnswersOut {
    pub applied: usize,
    pub unchanged: usize,
    pub overwritten: usize,
    /// Rows changed on the server after the export: `sheet`, `row`, `requirement_id`, `changed_by`, `changed_at`.
    #[schema(value_type = Vec<Object>)]
    pub conflicts: serde_json::Value,
    pub exported_at: Option<String>,
}

/// Applies the answers in a completed workbook (the request body), matched by sheet and
/// requirement ID. Invalid values are all reported by sheet, row and column, and nothing is applied.
#[utoipa::path(post, path = "/api/v1/products/{id}/answers/import", tag = "scal", security(("bearer" = [])),
    params(("id" = String, Path, description = "Product ID"), AnswersQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = AnswersOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_answers(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<AnswersQuery>,
    body: Bytes,
) -> Result<Json<AnswersOut>, ApiError> {
    let upload = scal_app::scals::AnswersUpload {
        file_name: query.file_name.unwrap_or_else(|| "answers.xlsx".into()),
        bytes: body.to_vec(),
        overwrite: query.overwrite.unwrap_or(false),
    };
    let report =
        scal_app::scals::import_answers(&state.app, &actor, &id, &upload, state.upload_limits(), state.now()).await?;
    Ok(Json(AnswersOut {
        applied: report.applied,
        unchanged: report.unchanged,
        overwritten: report.overwritten,
        conflicts: serde_json::to_value(&report.conflicts).unwrap_or_default(),
        exported_at: report.exported_at,
    }))
}
