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
    let search = AuditSearch {
        organisation_id: query.organisation_id,
        user_id: query.user_id,
        kind: query.kind,
        from: query.from,
        to: query.to,
        before_seq: query.before_seq,
        limit: query.limit,
    };
    let entries = scal_app::audit::search(&state.app, &actor, &search).await?;
    Ok(Json(entries.into_iter().map(Into::into).collect()))
}
