//! End user organisations: shares of accepted SCALs (supplier administrators share and revoke;
//! NHS England sees every share; an EUO sees those made to it while active), a product's
//! acceptable use policy (versions; an EUO acknowledges), and the EUO's DCB0160 local assurance.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::onboarding::EvidenceOut;
use super::{rfc3339, ApiActor};
use crate::error::ErrorBody;
use crate::extract::{ApiJson, ApiQuery};
use crate::{ApiError, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct SharedCertificateOut {
    pub id: String,
    pub number: String,
    /// Derived today.
    pub status: super::wire::CertificateStatus,
    pub status_label: String,
    /// Where anyone can check it.
    pub verify_path: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeploymentOut {
    /// The EUO's local decision.
    pub decision: Option<super::wire::LocalDecision>,
    #[schema(format = Date)]
    pub decided_on: Option<String>,
    #[schema(format = Date)]
    pub go_live_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShareOut {
    pub id: String,
    /// Derived today: `active`, `expired` (after its expiry date) or `revoked`.
    pub state: super::wire::ShareState,
    pub product_id: String,
    pub product: String,
    pub scal_id: String,
    pub supplier: String,
    /// The EUO's ODS code.
    pub euo_ods: String,
    /// The registered EUO's name; null while it is invited, not yet registered.
    pub euo_name: Option<String>,
    #[schema(format = Date)]
    pub expires_on: Option<String>,
    pub shared_by: String,
    pub shared_at: super::wire::Timestamp,
    pub revoked_at: Option<super::wire::Timestamp>,
    pub revoke_reason: Option<String>,
    /// The supplier's evidence files shared.
    pub files: Vec<EvidenceOut>,
    pub certificate: Option<SharedCertificateOut>,
    /// The accepted round shared.
    pub accepted_round: Option<i64>,
    pub accepted_sha256: Option<String>,
    pub deployment: DeploymentOut,
}

impl From<scal_app::shares::ShareView> for ShareOut {
    fn from(v: scal_app::shares::ShareView) -> Self {
        let r = v.record;
        Self {
            id: r.id,
            state: v.state.code().into(),
            product_id: r.product_id,
            product: v.product,
            scal_id: r.scal_id,
            supplier: v.supplier,
            euo_ods: r.euo_ods,
            euo_name: v.euo.map(|o| o.name),
            expires_on: r.expires_on,
            shared_by: r.shared_by,
            shared_at: rfc3339(r.shared_at).into(),
            revoked_at: r.revoked_at.map(rfc3339).map(Into::into),
            revoke_reason: r.revoke_reason,
            files: v.files.into_iter().map(Into::into).collect(),
            certificate: v.certificate.map(|c| SharedCertificateOut {
                verify_path: format!("/verify/{}", c.id),
                id: c.id,
                number: c.number,
                status: c.status.into(),
                status_label: c.status_label,
            }),
            accepted_round: v.accepted_round.as_ref().map(|(n, _)| *n),
            accepted_sha256: v.accepted_round.map(|(_, h)| h),
            deployment: DeploymentOut {
                decision: v.deployment.decision.map(Into::into),
                decided_on: v.deployment.decided_on,
                go_live_on: v.deployment.go_live_on,
            },
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ShareIn {
    /// The end user organisation's ODS code; one not yet registered is invited.
    #[serde(default)]
    #[schema(required)]
    pub euo_ods: super::wire::OdsCode,
    /// Optional: today or later.
    #[serde(default)]
    pub expires_on: Option<super::wire::Date>,
    /// The supplier's own evidence files to share (for example the clinical safety case report,
    /// hazard log, DPIA, penetration test summary).
    #[serde(default)]
    pub evidence_ids: Vec<super::wire::Id>,
}

/// Shares the product's accepted SCAL with an end user organisation (supplier administrators).
/// 422 naming each field: `product` (the SCAL is not accepted), `euo_ods` (not an EUO, or already
/// shared with), `expires_on` (in the past), `evidence_ids` (not the supplier's file).
#[utoipa::path(post, path = "/api/v1/products/{id}/shares", operation_id = "create_share", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Product ID")), request_body = ShareIn,
    responses((status = 201, body = ShareOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ShareIn>,
) -> Result<(StatusCode, Json<ShareOut>), ApiError> {
    let input = scal_app::shares::ShareInput {
        euo_ods: body.euo_ods.into(),
        expires_on: body.expires_on.map(String::from).unwrap_or_default(),
        evidence_ids: super::wire::strings(body.evidence_ids),
    };
    let view = scal_app::shares::create(&state.app, &actor, &id, &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// Where the product is shared and deployed: every share in every state, with each EUO's local
/// decision and go-live date (its supplier and NHS England).
#[utoipa::path(get, path = "/api/v1/products/{id}/shares", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Product ID")),
    responses((status = 200, body = Vec<ShareOut>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn for_product(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<ShareOut>>, ApiError> {
    let list = scal_app::shares::for_product(&state.app, &actor, &id, state.now().date()).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// The shares the caller may see, newest first: NHS England every one, a supplier its own, an
/// EUO those made to it that are active.
#[utoipa::path(get, path = "/api/v1/shares", operation_id = "list_shares", tag = "shares", security(("bearer" = [])),
    responses((status = 200, body = Vec<ShareOut>), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<Vec<ShareOut>>, ApiError> {
    let list = scal_app::shares::list(&state.app, &actor, state.now().date()).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// One share. To an EUO, a share that has expired or been revoked is not found.
#[utoipa::path(get, path = "/api/v1/shares/{id}", operation_id = "get_share", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID")),
    responses((status = 200, body = ShareOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<ShareOut>, ApiError> {
    Ok(Json(
        scal_app::shares::get(&state.app, &actor, &id, state.now().date())
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RevokeShareIn {
    /// Optional.
    #[serde(default)]
    pub reason: super::wire::OptionalText2000,
}

/// Revokes a share (its supplier's administrators): final. 409 when already revoked.
#[utoipa::path(post, path = "/api/v1/shares/{id}/revoke", operation_id = "revoke_share", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID")), request_body = RevokeShareIn,
    responses((status = 200, body = ShareOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevokeShareIn>,
) -> Result<Json<ShareOut>, ApiError> {
    let view = scal_app::shares::revoke(&state.app, &actor, &id, &body.reason, state.now()).await?;
    Ok(Json(view.into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ShareFilesIn {
    #[serde(default)]
    pub evidence_ids: Vec<super::wire::Id>,
}

/// Replaces the evidence files a share shares (its supplier's administrators). 409 once it has
/// ended; 422 for a file that is not the supplier's.
#[utoipa::path(put, path = "/api/v1/shares/{id}/files", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID")), request_body = ShareFilesIn,
    responses((status = 200, body = ShareOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_files(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ShareFilesIn>,
) -> Result<Json<ShareOut>, ApiError> {
    let view = scal_app::shares::set_files(
        &state.app,
        &actor,
        &id,
        &super::wire::strings(body.evidence_ids),
        state.now(),
    )
    .await?;
    Ok(Json(view.into()))
}

/// Downloads a file the share shares. Any other file is not found, whatever its ID.
#[utoipa::path(get, path = "/api/v1/shares/{id}/files/{evidence_id}", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID"), ("evidence_id" = String, Path, description = "Evidence ID")),
    responses((status = 200, description = "The file's bytes, with its own type", content((super::wire::Binary = "application/pdf"), (super::wire::Binary = "image/png"), (super::wire::Binary = "image/jpeg"), (super::wire::Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (super::wire::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (super::wire::Binary = "application/zip"), (super::wire::Binary = "text/plain"), (super::wire::Binary = "text/csv"))),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, evidence_id)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let (record, bytes) = scal_app::shares::file(&state.app, &actor, &id, &evidence_id, state.now().date()).await?;
    Ok(crate::file_download(&record.file_name, &record.content_type, bytes))
}

/// The accepted round the share shows: its canonical snapshot (sheets, requirements, answers,
/// colours, files by name and SHA-256; cases and steps), exactly as accepted.
#[utoipa::path(get, path = "/api/v1/shares/{id}/scal", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID")),
    responses((status = 200, description = "The accepted round's snapshot", body = Object),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn scal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (round, snapshot) = scal_app::shares::accepted_scal(&state.app, &actor, &id, state.now().date()).await?;
    // The round as shared: files the share does not give are left out (so this is not the
    // canonical text the SHA-256 is over).
    let snapshot = serde_json::to_value(&snapshot).map_err(|e| scal_app::AppError::Internal(e.to_string()))?;
    Ok(Json(serde_json::json!({
        "round": round.round,
        "sha256": round.sha256,
        "snapshot": snapshot,
    })))
}

/// The accepted round as an xlsx workbook, with the certificate sheet.
#[utoipa::path(get, path = "/api/v1/shares/{id}/workbook", operation_id = "share_workbook", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID")),
    responses((status = 200, description = "The workbook",
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn workbook(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    let book = scal_app::shares::workbook(&state.app, &actor, &id, state.now()).await?;
    Ok(crate::file_download(
        &book.file_name,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        book.bytes,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsePolicyOut {
    pub id: String,
    pub product_id: String,
    /// 1, 2, 3... per product.
    pub version: i64,
    pub text: String,
    /// The SHA-256 of the text.
    pub sha256: String,
    #[schema(format = Date)]
    pub effective_date: String,
    pub published_by: String,
    pub published_at: super::wire::Timestamp,
}

impl From<scal_store::records::use_policies::PolicyRecord> for UsePolicyOut {
    fn from(p: scal_store::records::use_policies::PolicyRecord) -> Self {
        Self {
            id: p.id,
            product_id: p.product_id,
            version: p.sequence,
            text: p.text,
            sha256: p.sha256,
            effective_date: p.effective_date,
            published_by: p.published_by,
            published_at: rfc3339(p.published_at).into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AcknowledgementOut {
    pub policy_id: String,
    /// The SHA-256 of the version acknowledged.
    pub sha256: String,
    pub acknowledged_by: String,
    pub acknowledged_at: super::wire::Timestamp,
}

impl From<scal_store::records::use_policies::AcknowledgementRecord> for AcknowledgementOut {
    fn from(a: scal_store::records::use_policies::AcknowledgementRecord) -> Self {
        Self {
            policy_id: a.policy_id,
            sha256: a.sha256,
            acknowledged_by: a.acknowledged_by,
            acknowledged_at: rfc3339(a.acknowledged_at).into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsePolicyStandingOut {
    /// Every version, newest first.
    pub versions: Vec<UsePolicyOut>,
    /// The version in effect today (the latest published whose date has come).
    pub current: Option<UsePolicyOut>,
    /// Versions whose date is still to come.
    pub upcoming: Vec<UsePolicyOut>,
    /// The caller's organisation's acknowledgements (an EUO; empty otherwise).
    pub acknowledgements: Vec<AcknowledgementOut>,
    pub current_acknowledged: bool,
}

impl From<scal_app::use_policies::PolicyStanding> for UsePolicyStandingOut {
    fn from(s: scal_app::use_policies::PolicyStanding) -> Self {
        Self {
            versions: s.versions.into_iter().map(Into::into).collect(),
            current: s.current.map(Into::into),
            upcoming: s.upcoming.into_iter().map(Into::into).collect(),
            acknowledgements: s.acknowledgements.into_iter().map(Into::into).collect(),
            current_acknowledged: s.current_acknowledged,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PublishUsePolicyIn {
    #[serde(default)]
    #[schema(required)]
    pub text: super::wire::Text100000,
    #[serde(default)]
    #[schema(required)]
    pub effective_date: super::wire::Date,
}

/// Publishes a version of the product's acceptable use policy (supplier administrators); every
/// EUO with an active share is asked to acknowledge it. 422: `text`, `effective_date`.
#[utoipa::path(post, path = "/api/v1/products/{id}/use-policy", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Product ID")), request_body = PublishUsePolicyIn,
    responses((status = 201, body = UsePolicyOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish_policy(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PublishUsePolicyIn>,
) -> Result<(StatusCode, Json<UsePolicyOut>), ApiError> {
    let p =
        scal_app::use_policies::publish(&state.app, &actor, &id, &body.text, &body.effective_date, state.now()).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// The product's acceptable use policy versions (its supplier and NHS England).
#[utoipa::path(get, path = "/api/v1/products/{id}/use-policy", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Product ID")),
    responses((status = 200, body = UsePolicyStandingOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn product_policy(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<UsePolicyStandingOut>, ApiError> {
    let s = scal_app::use_policies::for_product(&state.app, &actor, &id, state.now().date()).await?;
    Ok(Json(s.into()))
}

/// The shared product's acceptable use policy, and (to the EUO) whether it acknowledged the
/// current version.
#[utoipa::path(get, path = "/api/v1/shares/{id}/use-policy", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID")),
    responses((status = 200, body = UsePolicyStandingOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn share_policy(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<UsePolicyStandingOut>, ApiError> {
    let s = scal_app::use_policies::for_share(&state.app, &actor, &id, state.now().date()).await?;
    Ok(Json(s.into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AcknowledgeIn {
    /// The version acknowledged: the current one, or one still to take effect.
    #[serde(default)]
    #[schema(required)]
    pub policy_id: super::wire::Id,
}

/// The EUO acknowledges a version of the shared product's policy. 409 for a version already
/// acknowledged or superseded; 422 (`policy_id`) for a version that is not this product's.
#[utoipa::path(post, path = "/api/v1/shares/{id}/use-policy/acknowledgements", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID")), request_body = AcknowledgeIn,
    responses((status = 201, body = AcknowledgementOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AcknowledgeIn>,
) -> Result<(StatusCode, Json<AcknowledgementOut>), ApiError> {
    let a = scal_app::use_policies::acknowledge(&state.app, &actor, &id, &body.policy_id, state.now()).await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LocalAssuranceOut {
    pub share_id: String,
    pub cso_name: Option<String>,
    pub cso_registration: Option<String>,
    pub safety_case: Option<EvidenceOut>,
    pub hazard_log: Option<EvidenceOut>,
    pub local_controls: Option<String>,
    pub decision: Option<super::wire::LocalDecision>,
    #[schema(format = Date)]
    pub decided_on: Option<String>,
    pub decided_by: Option<String>,
    #[schema(format = Date)]
    pub go_live_on: Option<String>,
    /// Why an approval would be refused today, in words (empty: it would be recorded).
    pub approval_blockers: Vec<String>,
    /// What to do next.
    #[schema(
        pattern = "^(acknowledge_policy|name_safety_officer|upload_safety_case|upload_hazard_log|record_decision|record_go_live|none)$"
    )]
    pub next_action: String,
}

impl From<scal_app::local_assurance::LocalAssuranceView> for LocalAssuranceOut {
    fn from(v: scal_app::local_assurance::LocalAssuranceView) -> Self {
        let r = v.record;
        Self {
            share_id: v.share_id,
            cso_name: r.cso_name,
            cso_registration: r.cso_registration,
            safety_case: v.safety_case.map(Into::into),
            hazard_log: v.hazard_log.map(Into::into),
            local_controls: r.local_controls,
            decision: r.decision.map(Into::into),
            decided_on: r.decided_on,
            decided_by: r.decided_by,
            go_live_on: r.go_live_on,
            approval_blockers: v.approval_blockers.iter().map(|b| b.message()).collect(),
            next_action: serde_json::to_value(v.next_action)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        }
    }
}

/// The EUO's local assurance of the shared product (the EUO's members only: the supplier and
/// NHS England see its decision and go-live date on the share).
#[utoipa::path(get, path = "/api/v1/shares/{id}/local-assurance", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID")),
    responses((status = 200, body = LocalAssuranceOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn local_assurance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<LocalAssuranceOut>, ApiError> {
    let v = scal_app::local_assurance::get(&state.app, &actor, &id, state.now().date()).await?;
    Ok(Json(v.into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SafetyOfficerIn {
    /// Their full name.
    #[serde(default)]
    #[schema(required)]
    pub cso_name: super::wire::Line200,
    /// Professional registration, like `GMC 1234567`.
    #[serde(default)]
    #[schema(required)]
    pub cso_registration: super::wire::Line100,
}

/// Names the EUO's Clinical Safety Officer. 422: `cso_name`, `cso_registration`.
#[utoipa::path(put, path = "/api/v1/shares/{id}/local-assurance/safety-officer", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID")), request_body = SafetyOfficerIn,
    responses((status = 200, body = LocalAssuranceOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn safety_officer(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SafetyOfficerIn>,
) -> Result<Json<LocalAssuranceOut>, ApiError> {
    let v = scal_app::local_assurance::save_safety_officer(
        &state.app,
        &actor,
        &id,
        &body.cso_name,
        &body.cso_registration,
        state.now(),
    )
    .await?;
    Ok(Json(v.into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct LocalControlsIn {
    /// Empty clears them.
    #[serde(default)]
    pub local_controls: super::wire::OptionalText10000,
}

/// Records the EUO's local controls. 422: `local_controls`.
#[utoipa::path(put, path = "/api/v1/shares/{id}/local-assurance/local-controls", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID")), request_body = LocalControlsIn,
    responses((status = 200, body = LocalAssuranceOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn local_controls(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LocalControlsIn>,
) -> Result<Json<LocalAssuranceOut>, ApiError> {
    let v = scal_app::local_assurance::save_local_controls(&state.app, &actor, &id, &body.local_controls, state.now())
        .await?;
    Ok(Json(v.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LocalFileQuery {
    /// The file's name, as it should be shown.
    pub file_name: Option<String>,
}

/// Uploads the EUO's own clinical safety case report (`safety-case`) or local hazard log
/// (`hazard-log`) as the request body. It stays the EUO's: never shared. 422 (`file`) for a kind
/// not accepted or a file over the limit.
#[utoipa::path(put, path = "/api/v1/shares/{id}/local-assurance/files/{which}", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID"),
        ("which" = String, Path, description = "`safety-case` or `hazard-log`", pattern = "^(safety-case|hazard-log)$"),
        LocalFileQuery),
    request_body(content = inline(super::wire::Binary), content_type = "application/octet-stream"),
    responses((status = 200, body = LocalAssuranceOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, description = "The file was removed by a collection of unreferenced files while it was stored; retry after `Retry-After` seconds", body = ErrorBody)))]
pub async fn upload_file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, which)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<LocalFileQuery>,
    body: Bytes,
) -> Result<Json<LocalAssuranceOut>, ApiError> {
    let which = scal_app::local_assurance::LocalFile::parse(&which).ok_or(scal_app::AppError::NotFound)?;
    let name = query.file_name.unwrap_or_else(|| which.slug().into());
    let v = scal_app::local_assurance::upload(&state.app, &actor, &id, which, &name, &body, state.now()).await?;
    Ok(Json(v.into()))
}

/// Downloads one of the EUO's own local assurance files (the EUO only).
#[utoipa::path(get, path = "/api/v1/shares/{id}/local-assurance/files/{which}", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID"),
        ("which" = String, Path, description = "`safety-case` or `hazard-log`", pattern = "^(safety-case|hazard-log)$")),
    responses((status = 200, description = "The file's bytes, with its own type", content((super::wire::Binary = "application/pdf"), (super::wire::Binary = "image/png"), (super::wire::Binary = "image/jpeg"), (super::wire::Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (super::wire::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (super::wire::Binary = "application/zip"), (super::wire::Binary = "text/plain"), (super::wire::Binary = "text/csv"))),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download_file(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, which)): Path<(String, String)>,
) -> Result<axum::response::Response, ApiError> {
    let which = scal_app::local_assurance::LocalFile::parse(&which).ok_or(scal_app::AppError::NotFound)?;
    let (record, bytes) = scal_app::local_assurance::file(&state.app, &actor, &id, which, state.now().date()).await?;
    Ok(crate::file_download(&record.file_name, &record.content_type, bytes))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DecisionIn {
    #[serde(default)]
    #[schema(required)]
    pub decision: super::wire::LocalDecision,
    /// Today or earlier.
    #[serde(default)]
    #[schema(required)]
    pub decided_on: super::wire::Date,
}

/// Records the EUO's decision on deploying the product. An approval is refused with 409
/// `blocked`, listing each reason, while the certificate is not valid, the current acceptable use
/// policy is unacknowledged, or the Clinical Safety Officer, safety case report or hazard log (and
/// for an approval with local controls, the controls) are missing. 422: `decision`, `decided_on`.
#[utoipa::path(post, path = "/api/v1/shares/{id}/local-assurance/decision", operation_id = "record_local_decision", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID")), request_body = DecisionIn,
    responses((status = 200, body = LocalAssuranceOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionIn>,
) -> Result<Json<LocalAssuranceOut>, ApiError> {
    let v = scal_app::local_assurance::decide(&state.app, &actor, &id, &body.decision, &body.decided_on, state.now())
        .await?;
    Ok(Json(v.into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct GoLiveIn {
    /// YYYY-MM-DD, on or after the approving decision.
    #[serde(default)]
    #[schema(required)]
    pub go_live_on: super::wire::Date,
}

/// Records the deployment's go-live date, after an approving decision. 409 `blocked` while the
/// certificate is not valid; 422: `go_live_on`.
#[utoipa::path(put, path = "/api/v1/shares/{id}/local-assurance/go-live", operation_id = "record_local_go_live", tag = "shares", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Share ID")), request_body = GoLiveIn,
    responses((status = 200, body = LocalAssuranceOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn go_live(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<GoLiveIn>,
) -> Result<Json<LocalAssuranceOut>, ApiError> {
    let v = scal_app::local_assurance::record_go_live(&state.app, &actor, &id, &body.go_live_on, state.now()).await?;
    Ok(Json(v.into()))
}
