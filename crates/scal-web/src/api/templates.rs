use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use scal_app::templates::ImportRequest;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{rfc3339, wire, ApiActor};
use crate::error::ErrorBody;
use crate::extract::ApiQuery;
use crate::{ApiError, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateSummary {
    pub id: String,
    pub name: String,
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateOut {
    pub id: String,
    pub name: String,
    pub service_code: Option<String>,
    pub versions: Vec<VersionOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionOut {
    pub version: i64,
    /// `draft` or `published`.
    pub status: String,
    pub source_name: String,
    pub source_sha256: String,
    pub created_at: wire::Timestamp,
    pub published_at: Option<wire::Timestamp>,
}

impl From<scal_store::records::templates::VersionRecord> for VersionOut {
    fn from(v: scal_store::records::templates::VersionRecord) -> Self {
        Self {
            version: v.version,
            status: if v.published { "published" } else { "draft" }.into(),
            source_name: v.source_name,
            source_sha256: v.source_sha256,
            created_at: rfc3339(v.created_at).into(),
            published_at: v.published_at.map(|at| rfc3339(at).into()),
        }
    }
}

/// The import report: what was recognised and stored, sheet by sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOut {
    pub template: TemplateSummary,
    pub status: String,
    /// Per sheet: `name`, `kind` (information, service or skipped), `requirements` (the count),
    /// `columns` recognised (each with its `field`, `column` letter, `header`, `recognised_by`:
    /// `exact`, `words`, `validation` or `map`, and `yes_no_list` when it offers a Yes/No/N/A
    /// drop-down), `ignored` headers, `ambiguous` fields (two columns fitting one field equally),
    /// `skipped_rows` with reasons, `skipped_because` for skipped sheets.
    #[schema(value_type = Vec<Object>)]
    pub sheets: serde_json::Value,
    /// Against the previous published version, when published.
    #[schema(value_type = Option<Object>)]
    pub diff: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The uploaded file's name (its extension is not needed: content is sniffed).
    pub file_name: Option<String>,
    /// Add the file as the next version of this template. Without it the file is a new template.
    #[param(format = Uuid)]
    pub template_id: Option<String>,
    /// A new template's name [default, also when blank: the file name without its extension];
    /// an existing template's name is refused (import the file as its new version with
    /// `template_id`). Not used with `template_id`, but still held to its rule.
    #[param(inline)]
    pub name: Option<wire::OptionalText200>,
    /// Catalogue service code of a new template. Ignored with `template_id`.
    #[param(inline)]
    pub service: Option<wire::ServiceCode>,
    /// Publish at once.
    pub publish: Option<bool>,
    /// Explicit columns, `field=COLUMN` pairs separated by commas, e.g. `id=B,text=C`.
    pub map: Option<String>,
}

/// Imports a workbook (.xlsx) or NHS pipe-separated text sent as the request body
/// (NHS England staff). Nothing is stored if the file has any problem: the error lists each with
/// its sheet, row and column.
#[utoipa::path(post, path = "/api/v1/templates/import", tag = "templates", security(("bearer" = [])),
    params(ImportQuery), request_body(content = inline(super::wire::Binary), content_type = "application/octet-stream"),
    responses((status = 201, body = ImportOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, description = "Too many workbooks are being parsed; retry after the `Retry-After` seconds", body = ErrorBody)))]
pub async fn import_template(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<ImportOut>), ApiError> {
    let map: Vec<String> = query
        .map
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(String::from)
        .collect();
    let options = scal_app::templates::parse_map(&map)?;
    let request = ImportRequest {
        file_name: query.file_name.unwrap_or_else(|| "template".into()),
        bytes: body,
        template_id: query.template_id,
        name: query.name.map(Into::into),
        service: query.service.map(Into::into),
        publish: query.publish.unwrap_or(false),
        options,
    };
    let outcome = scal_app::templates::import(&state.app, &actor, &request, state.upload_limits(), state.now()).await?;
    Ok((StatusCode::CREATED, Json(import_out(outcome))))
}

pub fn import_out(outcome: scal_app::templates::ImportOutcome) -> ImportOut {
    ImportOut {
        template: TemplateSummary {
            id: outcome.template.id,
            name: outcome.template.name,
            version: outcome.version.version,
        },
        status: if outcome.version.published {
            "published"
        } else {
            "draft"
        }
        .into(),
        sheets: serde_json::to_value(&outcome.report.sheets).unwrap_or_default(),
        diff: outcome.diff.map(|d| serde_json::to_value(d).unwrap_or_default()),
    }
}

/// Templates and their versions (drafts are listed for NHS England only).
#[utoipa::path(get, path = "/api/v1/templates", tag = "templates", security(("bearer" = [])),
    responses((status = 200, body = Vec<TemplateOut>), (status = 401, body = ErrorBody)))]
pub async fn list_templates(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<TemplateOut>>, ApiError> {
    let templates = scal_app::templates::list(&state.app, &actor).await?;
    Ok(Json(
        templates
            .into_iter()
            .map(|(t, versions)| TemplateOut {
                id: t.id,
                name: t.name,
                service_code: t.service_code,
                versions: versions.into_iter().map(Into::into).collect(),
            })
            .collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/templates/{id}", tag = "templates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Template ID")),
    responses((status = 200, body = TemplateOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_template(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<TemplateOut>, ApiError> {
    let (t, versions) = scal_app::templates::get(&state.app, &actor, &id).await?;
    Ok(Json(TemplateOut {
        id: t.id,
        name: t.name,
        service_code: t.service_code,
        versions: versions.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionContentOut {
    pub template_id: String,
    pub version: VersionOut,
    /// Sheets with their requirements (id, section, text, level, answer_kind, ...).
    #[schema(value_type = Vec<Object>)]
    pub sheets: serde_json::Value,
}

#[utoipa::path(get, path = "/api/v1/templates/{id}/versions/{version}", tag = "templates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Template ID"), ("version" = i64, Path, minimum = 1, description = "Version number")),
    responses((status = 200, body = VersionContentOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_version(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, number)): Path<(String, String)>,
) -> Result<Json<VersionContentOut>, ApiError> {
    let number = number
        .parse()
        .map_err(|_| ApiError::from(scal_app::AppError::NotFound))?;
    let (t, version, content) = scal_app::templates::version(&state.app, &actor, &id, number).await?;
    Ok(Json(VersionContentOut {
        template_id: t.id,
        version: version.into(),
        sheets: serde_json::to_value(content).unwrap_or_default(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiffOut {
    pub from: i64,
    pub to: i64,
    /// `added`, `removed`, `text_changed`, `level_changed`, each a list by requirement ID.
    #[schema(value_type = Object)]
    pub diff: serde_json::Value,
}

/// Publishes a draft version; published versions never change. Returns the difference from the
/// previous published version.
#[utoipa::path(post, path = "/api/v1/templates/{id}/versions/{version}/publish", operation_id = "publish_template_version", tag = "templates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Template ID"), ("version" = i64, Path, minimum = 1, description = "Version number")),
    responses((status = 200, body = DiffOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish_version(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, number)): Path<(String, String)>,
) -> Result<Json<DiffOut>, ApiError> {
    let number: i64 = number
        .parse()
        .map_err(|_| ApiError::from(scal_app::AppError::NotFound))?;
    let diff = scal_app::templates::publish(&state.app, &actor, &id, number, state.now()).await?;
    Ok(Json(DiffOut {
        from: 0,
        to: number,
        diff: serde_json::to_value(diff).unwrap_or_default(),
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// Older version (default: the one before `to`).
    #[param(minimum = 1)]
    pub from: Option<i64>,
    /// Newer version (default: the latest).
    #[param(minimum = 1)]
    pub to: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/templates/{id}/diff", tag = "templates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Template ID"), DiffQuery),
    responses((status = 200, body = DiffOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn diff_versions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<DiffQuery>,
) -> Result<Json<DiffOut>, ApiError> {
    let (from, to, diff) = scal_app::templates::diff(&state.app, &actor, &id, query.from, query.to).await?;
    Ok(Json(DiffOut {
        from,
        to,
        diff: serde_json::to_value(diff).unwrap_or_default(),
    }))
}

/// A template version as an `.xlsx` workbook to complete offline: requirement columns locked,
/// answer columns open, a Yes/No/N/A drop-down and red/amber/green rows.
#[utoipa::path(get, path = "/api/v1/templates/{id}/versions/{version}/export", tag = "templates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Template ID"), ("version" = i64, Path, minimum = 1, description = "Version number")),
    responses((status = 200, description = "The workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn export_version(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, number)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let number: i64 = number
        .parse()
        .map_err(|_| ApiError::from(scal_app::AppError::NotFound))?;
    let workbook = scal_app::templates::export(&state.app, &actor, &id, Some(number), state.now()).await?;
    Ok(crate::xlsx_download(workbook))
}
