use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use scal_app::services::{ServiceChanges, ServiceFields};

use super::{ApiActor, ServiceIn, ServiceOut, ServicePatch};
use crate::error::ErrorBody;
use crate::extract::ApiJson;
use crate::{ApiError, AppState};

/// The service catalogue.
#[utoipa::path(get, path = "/api/v1/services", tag = "services", security(("bearer" = [])),
    responses((status = 200, body = Vec<ServiceOut>), (status = 401, body = ErrorBody)))]
pub async fn list_services(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<ServiceOut>>, ApiError> {
    let services = scal_app::services::list(&state.app, &actor).await?;
    Ok(Json(services.into_iter().map(Into::into).collect()))
}

/// Adds a service to the catalogue (NHS England administrators).
#[utoipa::path(post, path = "/api/v1/services", tag = "services", security(("bearer" = [])),
    request_body = ServiceIn,
    responses((status = 201, body = ServiceOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_service(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<ServiceIn>,
) -> Result<(StatusCode, Json<ServiceOut>), ApiError> {
    let fields = ServiceFields {
        name: body.name.into(),
        use_case_required: body.use_case_required,
        network: body.network.into(),
        onboarding_route: body.onboarding_route.into(),
        testing_required: body.testing_required,
    };
    let service = scal_app::services::create(&state.app, &actor, &body.code, &fields, state.now()).await?;
    Ok((StatusCode::CREATED, Json(service.into())))
}

#[utoipa::path(get, path = "/api/v1/services/{code}", tag = "services", security(("bearer" = [])),
    params(("code" = super::wire::ServiceCode, Path, description = "Service code, like PDS-FHIR")),
    responses((status = 200, body = ServiceOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_service(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
) -> Result<Json<ServiceOut>, ApiError> {
    Ok(Json(scal_app::services::get(&state.app, &actor, &code).await?.into()))
}

/// Changes a catalogue entry (NHS England administrators).
#[utoipa::path(patch, path = "/api/v1/services/{code}", tag = "services", security(("bearer" = [])),
    params(("code" = super::wire::ServiceCode, Path, description = "Service code")), request_body = ServicePatch,
    responses((status = 200, body = ServiceOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_service(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ServicePatch>,
) -> Result<Json<ServiceOut>, ApiError> {
    let changes = ServiceChanges {
        name: body.name.map(Into::into),
        use_case_required: body.use_case_required,
        network: body.network.map(Into::into),
        onboarding_route: body.onboarding_route.map(Into::into),
        testing_required: body.testing_required,
    };
    Ok(Json(
        scal_app::services::update(&state.app, &actor, &code, &changes, state.now())
            .await?
            .into(),
    ))
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReviewerOut {
    pub id: String,
    pub email: String,
    pub name: String,
    pub active: bool,
}

fn reviewers_out(users: Vec<scal_store::UserRecord>) -> Vec<ReviewerOut> {
    users
        .into_iter()
        .map(|u| ReviewerOut {
            id: u.id,
            email: u.email.as_str().into(),
            name: u.name,
            active: u.active,
        })
        .collect()
}

/// The NHS England reviewers assigned to a service: they are told about its red items and
/// submissions (every reviewer is, when none is assigned). NHS England only.
#[utoipa::path(get, path = "/api/v1/services/{code}/reviewers", tag = "services", security(("bearer" = [])),
    params(("code" = super::wire::ServiceCode, Path, description = "Service code")),
    responses((status = 200, body = Vec<ReviewerOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn list_reviewers(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Vec<ReviewerOut>>, ApiError> {
    Ok(Json(reviewers_out(
        scal_app::services::reviewers(&state.app, &actor, &code).await?,
    )))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct ServiceReviewerIn {
    /// The reviewer's email address.
    #[serde(default)]
    #[schema(required)]
    pub email: super::wire::Email,
}

/// Assigns an NHS England reviewer to a service (NHS England administrators).
#[utoipa::path(post, path = "/api/v1/services/{code}/reviewers", operation_id = "assign_service_reviewer", tag = "services", security(("bearer" = [])),
    params(("code" = super::wire::ServiceCode, Path, description = "Service code")), request_body = ServiceReviewerIn,
    responses((status = 200, body = Vec<ReviewerOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign_reviewer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<ServiceReviewerIn>,
) -> Result<Json<Vec<ReviewerOut>>, ApiError> {
    Ok(Json(reviewers_out(
        scal_app::services::assign_reviewer(&state.app, &actor, &code, &body.email, state.now()).await?,
    )))
}

/// Removes a reviewer from a service (NHS England administrators).
#[utoipa::path(delete, path = "/api/v1/services/{code}/reviewers/{user_id}", tag = "services", security(("bearer" = [])),
    params(("code" = super::wire::ServiceCode, Path, description = "Service code"), ("user_id" = String, Path, format = Uuid, description = "The reviewer's user ID")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unassign_reviewer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((code, user_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    scal_app::services::unassign_reviewer(&state.app, &actor, &code, &user_id, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
