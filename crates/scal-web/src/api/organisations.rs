use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use scal_app::organisations::OrganisationInput;
use scal_app::users::{NewUserInput, UserChanges};

use super::{
    ApiActor, MeOut, OrganisationIn, OrganisationOut, OrganisationPatch, UserCreated, UserIn, UserOut, UserPatch,
};
use crate::error::ErrorBody;
use crate::extract::ApiJson;
use crate::{ApiError, AppState};

/// The caller and their organisation.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = MeOut), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<MeOut>, ApiError> {
    let user_id = actor.user_id().unwrap_or_default().to_string();
    let user = scal_app::users::get(&state.app, &actor, &user_id).await?;
    let organisation = scal_app::organisations::get(&state.app, &actor, &user.org_id).await?;
    Ok(Json(MeOut {
        user: user.into(),
        organisation: organisation.into(),
    }))
}

/// Organisations the caller can see: every one for NHS England, otherwise their own.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, body = Vec<OrganisationOut>), (status = 401, body = ErrorBody)))]
pub async fn list_organisations(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<OrganisationOut>>, ApiError> {
    let orgs = scal_app::organisations::list(&state.app, &actor).await?;
    Ok(Json(orgs.into_iter().map(Into::into).collect()))
}

/// Registers an organisation (NHS England administrators).
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])),
    request_body = OrganisationIn,
    responses((status = 201, body = OrganisationOut), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_organisation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<OrganisationIn>,
) -> Result<(StatusCode, Json<OrganisationOut>), ApiError> {
    let input = OrganisationInput {
        ods_code: body.ods_code.into(),
        name: body.name.into(),
        kind: body.kind.into(),
    };
    let org = scal_app::organisations::create(&state.app, &actor, &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(org.into())))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Organisation ID")),
    responses((status = 200, body = OrganisationOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_organisation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<OrganisationOut>, ApiError> {
    Ok(Json(
        scal_app::organisations::get(&state.app, &actor, &id).await?.into(),
    ))
}

/// Renames an organisation (NHS England administrators). An absent field is unchanged, so `{}`
/// changes nothing.
#[utoipa::path(patch, path = "/api/v1/organisations/{id}", tag = "organisations", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Organisation ID")), request_body = OrganisationPatch,
    responses((status = 200, body = OrganisationOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_organisation(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OrganisationPatch>,
) -> Result<Json<OrganisationOut>, ApiError> {
    Ok(Json(
        scal_app::organisations::update(&state.app, &actor, &id, body.name.as_deref(), state.now())
            .await?
            .into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}/users", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Organisation ID")),
    responses((status = 200, body = Vec<UserOut>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_users(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<UserOut>>, ApiError> {
    let users = scal_app::users::list_in_org(&state.app, &actor, &id).await?;
    Ok(Json(users.into_iter().map(Into::into).collect()))
}

/// Adds a user to an organisation (its administrators, or NHS England administrators).
#[utoipa::path(post, path = "/api/v1/organisations/{id}/users", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Organisation ID")), request_body = UserIn,
    responses((status = 201, body = UserCreated), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, description = "Too many passwords are being hashed at once: retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserIn>,
) -> Result<(StatusCode, Json<UserCreated>), ApiError> {
    let input = NewUserInput {
        email: body.email.into(),
        name: body.name.into(),
        role: body.role.into(),
        password: body.password.map(Into::into),
    };
    let created = scal_app::users::create(&state.app, &actor, &id, &input, state.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(UserCreated {
            user: created.user.into(),
            generated_password: created.generated_password,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "User ID")),
    responses((status = 200, body = UserOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<UserOut>, ApiError> {
    Ok(Json(scal_app::users::get(&state.app, &actor, &id).await?.into()))
}

/// Changes a user's name, role or whether they can sign in.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "User ID")), request_body = UserPatch,
    responses((status = 200, body = UserOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_user(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UserPatch>,
) -> Result<Json<UserOut>, ApiError> {
    let changes = UserChanges {
        name: body.name.map(Into::into),
        role: body.role.map(Into::into),
        active: body.active,
    };
    Ok(Json(
        scal_app::users::update(&state.app, &actor, &id, &changes, state.now())
            .await?
            .into(),
    ))
}
