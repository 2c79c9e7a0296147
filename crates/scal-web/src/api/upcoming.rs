//! What falls due for the caller: the same obligations and rule as the reminders.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiActor;
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct UpcomingItemOut {
    /// `dspt`, `penetration_test`, `red_mitigation`, `condition`, `review_response`, `agreement`
    /// or `uplift`.
    pub kind: String,
    /// What falls due, in plain English.
    pub what: String,
    /// The date it falls due (YYYY-MM-DD); for a DSPT at risk, the deadline it missed.
    pub on: String,
    /// The date has passed (a DSPT at risk, a penetration test more than 12 months old).
    pub overdue: bool,
    /// The page it is about.
    pub link: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpcomingOut {
    /// Earliest first: what is overdue, then what falls due within the next 30 days.
    pub items: Vec<UpcomingItemOut>,
}

/// What falls due for the caller in the next 30 days, and what is overdue: the obligations whose
/// reminders go to them (a supplier's DSPT, penetration test, red mitigations and certificate
/// conditions; a reviewer's review responses; a signatory's agreement), or, for an end user
/// organisation, those of the products shared with it.
#[utoipa::path(get, path = "/api/v1/upcoming", tag = "onboarding", security(("bearer" = [])),
    responses((status = 200, body = UpcomingOut), (status = 401, body = ErrorBody)))]
pub async fn upcoming(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<UpcomingOut>, ApiError> {
    let items = scal_app::jobs::upcoming(&state.app, &actor, state.now().date()).await?;
    Ok(Json(UpcomingOut {
        items: items
            .into_iter()
            .map(|i| UpcomingItemOut {
                kind: i.kind.to_string(),
                what: i.what,
                on: i.on.to_string(),
                overdue: i.overdue,
                link: i.link,
            })
            .collect(),
    }))
}
