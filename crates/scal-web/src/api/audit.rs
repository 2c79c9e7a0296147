use axum::extract::State;
use axum::Json;
use scal_app::audit::AuditSearch;

use super::{ApiActor, AuditOut, AuditQuery};
use crate::error::ErrorBody;
use crate::extract::ApiQuery;
use crate::{ApiError, AppState};

/// The audit log, newest first (NHS England administrators).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = Vec<AuditOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditOut>>, ApiError> {
    // The audit page's form sends its blank filters as empty values, which mean "any"; a client
    // leaves a filter out instead, and an empty one is not of its documented type.
    let blank = [
        ("organisation_id", query.organisation_id.as_deref()),
        ("user_id", query.user_id.as_deref()),
        ("kind", query.kind.as_deref()),
        ("from", query.from.as_deref()),
        ("to", query.to.as_deref()),
    ]
    .into_iter()
    .filter(|(_, value)| value.is_some_and(|v| v.trim().is_empty()))
    .map(|(field, _)| scal_domain::FieldError::new(field, "Leave the filter out rather than send it empty"))
    .collect::<Vec<_>>();
    if !blank.is_empty() {
        return Err(scal_app::AppError::Invalid(scal_domain::Invalid(blank)).into());
    }
    let search = AuditSearch {
        organisation_id: query.organisation_id,
        user_id: query.user_id,
        kind: query.kind.map(Into::into),
        from: query.from,
        to: query.to,
        before_seq: query.before_seq,
        limit: query.limit,
    };
    let entries = scal_app::audit::search(&state.app, &actor, &search).await?;
    Ok(Json(entries.into_iter().map(Into::into).collect()))
}
