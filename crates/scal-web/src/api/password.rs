//! Changing the caller's password and sending password-reset links.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use scal_app::passwords::PasswordChange;

use super::{rfc3339, ApiActor, PasswordChangeIn, PasswordResetSent};
use crate::error::ErrorBody;
use crate::extract::ApiJson;
use crate::{ApiError, AppState};

/// Changes the caller's password. The current password is checked and counts towards the same
/// limit as signing in (429 with `Retry-After` beyond it). Every browser session of the caller
/// ends; API tokens, this one included, keep working (revoke them with `DELETE /api/v1/tokens/{id}`).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "account", security(("bearer" = [])),
    request_body = PasswordChangeIn,
    responses((status = 204, description = "Changed"), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Wrong current password (`current_password`) or a new password that breaks the rules (`new_password`)"),
        (status = 429, body = ErrorBody, description = "Too many wrong passwords for this account; retry after `Retry-After` seconds"),
        (status = 503, body = ErrorBody, description = "Too many password checks at once; retry after `Retry-After` seconds")))]
pub async fn change_password(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    crate::client::ClientAddr(client): crate::client::ClientAddr,
    ApiJson(body): ApiJson<PasswordChangeIn>,
) -> Result<StatusCode, ApiError> {
    let change = PasswordChange {
        current_password: body.current_password,
        new_password: body.new_password.into(),
        confirm_password: None,
    };
    scal_app::passwords::change_own(&state.app, &actor, &change, None, client, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Emails the user a single-use link to set a new password, valid for a limited time (one hour by
/// default); any earlier link stops working. The link is not in the response. Administrators of
/// the user's organisation and NHS England administrators; other organisations' users are not
/// found.
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "users", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "User ID")),
    responses((status = 202, body = PasswordResetSent, description = "The email is queued"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The user is deactivated")))]
pub async fn send_password_reset(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<PasswordResetSent>), ApiError> {
    let sent = scal_app::passwords::send_reset(&state.app, &actor, &id, state.now()).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(PasswordResetSent {
            user_id: sent.user.id,
            email: sent.user.email.as_str().into(),
            expires_at: rfc3339(sent.expires_at).into(),
        }),
    ))
}
