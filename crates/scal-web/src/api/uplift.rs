//! Re-assurance: a template version's impact on the SCALs using older versions, uplifting them
//! (NHS England), a supplier's product change declaration, a SCAL's reopenings, and confirming
//! what a reopening flagged.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{rfc3339, ApiActor};
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiQuery};
use crate::{ApiError, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct DeltaItemOut {
    pub sheet: String,
    pub requirement_id: String,
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangedItemOut {
    pub sheet: String,
    pub requirement_id: String,
    /// What changed, in words: `text`, `level (SHOULD to MUST)`.
    pub what: Vec<String>,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeltaOut {
    /// New requirements: they appear unanswered.
    pub added: Vec<DeltaItemOut>,
    /// Text or level changed: answers kept, to confirm or change.
    pub changed: Vec<ChangedItemOut>,
    /// Gone: archived with their last answer.
    pub removed: Vec<DeltaItemOut>,
}

impl From<scal_domain::uplift::Delta> for DeltaOut {
    fn from(d: scal_domain::uplift::Delta) -> Self {
        let item = |i: scal_domain::uplift::DeltaItem| DeltaItemOut {
            sheet: i.sheet,
            requirement_id: i.requirement_id,
            text: i.text,
        };
        Self {
            added: d.added.into_iter().map(item).collect(),
            changed: d
                .changed
                .into_iter()
                .map(|c| ChangedItemOut {
                    sheet: c.sheet,
                    requirement_id: c.requirement_id,
                    what: c.what,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
            removed: d.removed.into_iter().map(item).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AffectedOut {
    pub scal_id: String,
    pub product_id: String,
    pub product: String,
    pub supplier: String,
    /// The SCAL's status now.
    pub status: super::wire::ScalStatusCode,
    pub status_label: String,
    /// The template versions its sheets are on.
    pub from_versions: Vec<i64>,
    pub delta: DeltaOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImpactOut {
    pub template_id: String,
    pub template: String,
    pub version: i64,
    /// Every SCAL on an older version, in every state.
    pub affected: Vec<AffectedOut>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImpactQuery {
    /// The version to compare with (default: the latest published).
    #[param(minimum = 1)]
    pub version: Option<i64>,
}

/// Which SCALs use an older version of the template, each with its delta by requirement ID
/// (NHS England).
#[utoipa::path(get, path = "/api/v1/templates/{id}/impact", tag = "templates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Template ID"), ImpactQuery),
    responses((status = 200, body = ImpactOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn impact(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ImpactQuery>,
) -> Result<Json<ImpactOut>, ApiError> {
    let impact = scal_app::uplift::impact(&state.app, &actor, &id, query.version, state.now()).await?;
    Ok(Json(ImpactOut {
        template_id: impact.template_id,
        template: impact.template,
        version: impact.version,
        affected: impact
            .affected
            .into_iter()
            .map(|a| AffectedOut {
                scal_id: a.scal_id,
                product_id: a.product_id,
                product: a.product,
                supplier: a.supplier,
                status: a.status.into(),
                status_label: a.status_label,
                from_versions: a.from_versions,
                delta: a.delta.into(),
            })
            .collect(),
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpliftIn {
    /// The version to uplift to (default: the latest published).
    #[serde(default, deserialize_with = "super::wire::optional_integer")]
    #[schema(minimum = 1)]
    pub version: Option<i64>,
    /// The SCALs to uplift; empty or absent: every SCAL affected.
    #[serde(default)]
    pub scal_ids: Vec<super::wire::Id>,
    /// Today or later: after it, a live product's certificate is suspended until the uplift is
    /// accepted.
    #[serde(default)]
    #[schema(required)]
    pub due_date: super::wire::Date,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpliftedOut {
    pub scal_id: String,
    pub product: String,
    pub reopening_id: String,
    pub delta: DeltaOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedOut {
    pub product: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpliftOutcomeOut {
    pub uplifted: Vec<UpliftedOut>,
    /// SCALs left as they were, and why (one with NHS England for review).
    pub skipped: Vec<SkippedOut>,
}

/// Uplifts SCALs to a template version with a due date (NHS England). 422: `due_date` (in the
/// past), `scals` (a SCAL not on an older version), `version`.
#[utoipa::path(post, path = "/api/v1/templates/{id}/uplifts", tag = "templates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Template ID")), request_body = UpliftIn,
    responses((status = 200, body = UpliftOutcomeOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn uplift(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpliftIn>,
) -> Result<Json<UpliftOutcomeOut>, ApiError> {
    let outcome = scal_app::uplift::uplift(
        &state.app,
        &actor,
        &id,
        body.version,
        &super::wire::strings(body.scal_ids),
        &body.due_date,
        state.now(),
    )
    .await?;
    Ok(Json(UpliftOutcomeOut {
        uplifted: outcome
            .uplifted
            .into_iter()
            .map(|u| UpliftedOut {
                scal_id: u.scal_id,
                product: u.product,
                reopening_id: u.reopening_id,
                delta: u.delta.into(),
            })
            .collect(),
        skipped: outcome
            .skipped
            .into_iter()
            .map(|(product, reason)| SkippedOut { product, reason })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReopeningOut {
    pub id: String,
    pub scal_id: String,
    #[schema(pattern = "^(uplift|product_change)$")]
    pub kind: String,
    /// In words: "uplift to GP Connect version 2".
    pub reason: String,
    #[schema(format = Date)]
    pub due_date: Option<String>,
    /// Open until a round submitted after it is accepted.
    pub open: bool,
    /// For an uplift: the template, versions, `delta` and the removed requirements' last answers
    /// (`archived`); for a product change: its kind, versions, description and services.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub created_by: String,
    pub created_at: super::wire::Timestamp,
}

fn reopening_out(r: scal_store::records::reopenings::ReopeningRecord, open: bool) -> ReopeningOut {
    ReopeningOut {
        details: serde_json::from_str(&r.details).unwrap_or_default(),
        id: r.id,
        scal_id: r.scal_id,
        kind: r.kind,
        reason: r.reason,
        due_date: r.due_date,
        open,
        created_by: r.created_by,
        created_at: rfc3339(r.created_at).into(),
    }
}

/// A SCAL's reopenings, oldest first (its supplier and NHS England).
#[utoipa::path(get, path = "/api/v1/scals/{id}/reopenings", tag = "scal", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")),
    responses((status = 200, body = Vec<ReopeningOut>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reopenings(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<ReopeningOut>>, ApiError> {
    let list = scal_app::uplift::for_scal(&state.app, &actor, &id).await?;
    Ok(Json(list.into_iter().map(|(r, open)| reopening_out(r, open)).collect()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProductChangeIn {
    #[serde(default)]
    #[schema(required)]
    pub kind: super::wire::ChangeKind,
    /// The new version: required for `new_version`, ignored for `significant_change`.
    #[serde(default)]
    pub version: String,
    /// What changed.
    #[serde(default)]
    #[schema(required)]
    pub description: super::wire::Text10000,
    /// The services affected, by code (each one of the SCAL's).
    #[serde(default)]
    pub services: Vec<super::wire::ServiceCode>,
}

/// The supplier declares a new product version or a significant change: the information sheet
/// and the affected services' sheets are reopened for confirmation; NHS England is told. 409 while
/// a round is with NHS England; 422: `kind`, `version`, `description`, `services`.
#[utoipa::path(post, path = "/api/v1/scals/{id}/product-changes", tag = "scal", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")), request_body = ProductChangeIn,
    responses((status = 201, body = ReopeningOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn declare_change(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ProductChangeIn>,
) -> Result<(StatusCode, Json<ReopeningOut>), ApiError> {
    let input = scal_app::uplift::ChangeInput {
        kind: body.kind.into(),
        version: body.version,
        description: body.description.into(),
        services: super::wire::strings(body.services),
    };
    let r = scal_app::uplift::declare_change(&state.app, &actor, &id, &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(reopening_out(r, true))))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConfirmIn {
    /// One of the SCAL's sheets.
    #[serde(default)]
    #[schema(required)]
    pub sheet_id: super::wire::Id,
    /// A requirement an uplift changed; absent: the whole sheet a product change reopened.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub requirement_id: Option<String>,
}

/// Confirms a changed requirement's answer as it stands, or a reopened sheet (supplier). 409 when
/// there is nothing to confirm there.
#[utoipa::path(post, path = "/api/v1/scals/{id}/confirmations", operation_id = "confirm_reopened", tag = "scal", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")), request_body = ConfirmIn,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConfirmIn>,
) -> Result<StatusCode, ApiError> {
    scal_app::uplift::confirm(
        &state.app,
        &actor,
        &id,
        &body.sheet_id,
        body.requirement_id.as_deref(),
        state.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
