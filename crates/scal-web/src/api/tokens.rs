use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::{ApiActor, TokenCreated, TokenIn, TokenOut};
use crate::error::ErrorBody;
use crate::extract::ApiJson;
use crate::{ApiError, AppState};

/// The caller's own API tokens (secrets are never listed).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = [])),
    responses((status = 200, body = Vec<TokenOut>), (status = 401, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<TokenOut>>, ApiError> {
    let tokens = scal_app::tokens::list(&state.app, &actor).await?;
    Ok(Json(tokens.into_iter().map(Into::into).collect()))
}

/// Creates a token for the caller. The secret is in this response only.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", security(("bearer" = [])), request_body = TokenIn,
    responses((status = 201, body = TokenCreated), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<TokenIn>,
) -> Result<(StatusCode, Json<TokenCreated>), ApiError> {
    let created = scal_app::tokens::create(&state.app, &actor, &body.name, state.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            token: created.token.into(),
            secret: created.secret,
        }),
    ))
}

/// Revokes one of the caller's tokens; it stops working at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Token ID")),
    responses((status = 200, body = TokenOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<TokenOut>, ApiError> {
    Ok(Json(
        scal_app::tokens::revoke(&state.app, &actor, &id, state.now())
            .await?
            .into(),
    ))
}
