//! Certificates of technical conformance: issuing, reading, revoking; the public status anyone
//! may check; and the conditions they carry.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{rfc3339, ApiActor};
use crate::error::ErrorBody;
use crate::extract::ApiJson;
use crate::{ApiError, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateConditionOut {
    /// Use it to say the condition is met, or to confirm it.
    pub id: Option<String>,
    pub requirement_id: String,
    pub text: String,
    #[schema(format = Date)]
    pub due_date: String,
    /// The supplier said it is met.
    pub met_at: Option<super::wire::Timestamp>,
    pub met_note: Option<String>,
    /// NHS England confirmed it (a suspension it caused is lifted).
    pub confirmed_at: Option<super::wire::Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateOut {
    pub id: String,
    /// As people quote it, e.g. `SCAL-C-000001`.
    pub number: String,
    /// `valid`, `suspended` (a condition is overdue), `expired`, `revoked`, or `unverifiable`:
    /// the stored certificate does not check out against its own signature (`jws`) and the
    /// published keys, or its stored facts differ from the signed ones; never `valid` then, and
    /// the facts below are not to be relied on. Derived today.
    pub status: super::wire::CertificateStatus,
    /// Why it is suspended (the overdue conditions), revoked or cannot be verified.
    pub status_reasons: Vec<String>,
    pub supplier: String,
    pub supplier_ods_code: String,
    pub product: String,
    pub product_version: String,
    pub services: Vec<String>,
    pub templates: Vec<String>,
    pub accepted_round: i64,
    /// The accepted round's snapshot SHA-256.
    pub snapshot_sha256: String,
    pub conditions: Vec<CertificateConditionOut>,
    #[schema(format = Date)]
    pub issued_on: String,
    #[schema(format = Date)]
    pub expires_on: Option<String>,
    pub issuer: String,
    /// The signed certificate: a compact JWS (`alg` EdDSA, `typ` `scal-certificate`) whose
    /// payload is the facts above (the facts shown are the signed ones); check it against
    /// `/.well-known/jwks.json` or with `scal verify`.
    pub jws: String,
    /// The public page anyone can use to check it.
    pub verify_url: String,
}

impl CertificateOut {
    pub(crate) fn new(view: scal_app::certificates::CertificateView) -> Self {
        use scal_domain::certificate::CertificateStatus;
        let reasons = match &view.status {
            CertificateStatus::Suspended { overdue } => overdue.clone(),
            CertificateStatus::Revoked { reason } => vec![reason.clone()],
            CertificateStatus::Expired { on } => vec![format!("Expired on {on}")],
            CertificateStatus::Unverifiable { reason } => vec![reason.clone()],
            CertificateStatus::Valid => Vec::new(),
        };
        let f = view.facts;
        let conditions = f
            .conditions
            .iter()
            .map(|c| {
                let progress = view
                    .conditions
                    .iter()
                    .find(|r| r.requirement_id == c.requirement_id && r.text == c.text);
                CertificateConditionOut {
                    id: progress.map(|p| p.id.clone()),
                    requirement_id: c.requirement_id.clone(),
                    text: c.text.clone(),
                    due_date: c.due.to_string(),
                    met_at: progress.and_then(|p| p.met_at).map(rfc3339).map(Into::into),
                    met_note: progress.and_then(|p| p.met_note.clone()),
                    confirmed_at: progress.and_then(|p| p.confirmed_at).map(rfc3339).map(Into::into),
                }
            })
            .collect();
        Self {
            verify_url: format!("/verify/{}", view.record.id),
            id: view.record.id,
            number: f.number,
            status: view.status.code().into(),
            status_reasons: reasons,
            supplier: f.supplier,
            supplier_ods_code: f.supplier_ods_code,
            product: f.product,
            product_version: f.product_version,
            services: f.services,
            templates: f.templates,
            accepted_round: f.accepted_round,
            snapshot_sha256: f.snapshot_sha256,
            conditions,
            issued_on: f.issued_on.to_string(),
            expires_on: f.expires_on.map(|d| d.to_string()),
            issuer: f.issuer,
            jws: view.record.jws,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct IssueCertificateIn {
    /// Optional (default: three years on): after today.
    #[serde(default)]
    pub expires_on: Option<super::wire::Date>,
}

/// Issues the certificate for the SCAL's accepted round (NHS England). 409 `blocked`, naming what
/// is missing, unless the SCAL is accepted and testing is complete; 409 `conflict` once issued
/// for that round.
#[utoipa::path(post, path = "/api/v1/scals/{id}/certificates", operation_id = "issue_certificate", tag = "certificates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")), request_body = IssueCertificateIn,
    responses((status = 201, body = CertificateOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<IssueCertificateIn>,
) -> Result<(StatusCode, Json<CertificateOut>), ApiError> {
    let view = scal_app::certificates::issue(
        &state.app,
        &actor,
        &id,
        body.expires_on.as_deref().unwrap_or_default(),
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(CertificateOut::new(view))))
}

/// The SCAL's certificates, newest first.
#[utoipa::path(get, path = "/api/v1/scals/{id}/certificates", operation_id = "list_certificates", tag = "certificates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")),
    responses((status = 200, body = Vec<CertificateOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<CertificateOut>>, ApiError> {
    let list = scal_app::certificates::for_scal(&state.app, &actor, &id, state.now().date()).await?;
    Ok(Json(list.into_iter().map(CertificateOut::new).collect()))
}

#[utoipa::path(get, path = "/api/v1/certificates/{id}", operation_id = "get_certificate", tag = "certificates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Certificate ID")),
    responses((status = 200, body = CertificateOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<CertificateOut>, ApiError> {
    let view = scal_app::certificates::get(&state.app, &actor, &id, state.now().date()).await?;
    Ok(Json(CertificateOut::new(view)))
}

/// Anyone may check a certificate, without signing in: its facts and status today, nothing else.
#[utoipa::path(get, path = "/api/v1/certificates/{id}/status", tag = "certificates",
    params(("id" = String, Path, format = Uuid, description = "Certificate ID")),
    responses((status = 200, body = CertificateOut), (status = 404, body = ErrorBody)))]
pub async fn status(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<CertificateOut>, ApiError> {
    let view = scal_app::certificates::public(&state.app, &id, state.now().date()).await?;
    Ok(Json(CertificateOut::new(view)))
}

/// The signed certificate as a file (`application/jose`): anyone may download it and check it
/// offline with `scal verify FILE --jwks jwks.json`.
#[utoipa::path(get, path = "/api/v1/certificates/{id}/jws", tag = "certificates",
    params(("id" = String, Path, format = Uuid, description = "Certificate ID")),
    responses((status = 200, content_type = "application/jose", body = String), (status = 404, body = ErrorBody)))]
pub async fn jws(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let view = scal_app::certificates::public(&state.app, &id, state.now().date()).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/jose".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.jws\"", view.facts.number),
            ),
        ],
        view.record.jws,
    )
        .into_response())
}

/// The certificate as a PDF to print and file: its facts, its status today and the address of its
/// public verify page, printed and as a QR code. Anyone with its ID may download it, as they may
/// open the verify page.
#[utoipa::path(get, path = "/api/v1/certificates/{id}/pdf", tag = "certificates", operation_id = "certificate_pdf",
    params(("id" = String, Path, format = Uuid, description = "Certificate ID")),
    responses((status = 200, description = "The certificate, A4", content_type = "application/pdf"),
        (status = 404, body = ErrorBody)))]
pub async fn pdf(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let document = scal_app::certificate_documents::public_pdf(&state.app, &id, state.now()).await?;
    Ok(crate::file_download(
        &document.file_name,
        "application/pdf",
        document.bytes,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RevokeIn {
    /// Why.
    #[serde(default)]
    #[schema(required)]
    pub reason: super::wire::Text2000,
}

/// Revokes a certificate (NHS England): final. 409 once revoked.
#[utoipa::path(post, path = "/api/v1/certificates/{id}/revoke", operation_id = "revoke_certificate", tag = "certificates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Certificate ID")), request_body = RevokeIn,
    responses((status = 200, body = CertificateOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevokeIn>,
) -> Result<Json<CertificateOut>, ApiError> {
    let view = scal_app::certificates::revoke(&state.app, &actor, &id, &body.reason, state.now()).await?;
    Ok(Json(CertificateOut::new(view)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConditionMetIn {
    /// How it was met.
    #[serde(default)]
    #[schema(required)]
    pub note: super::wire::Text2000,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateConditionRecordOut {
    pub id: String,
    pub requirement_id: String,
    pub text: String,
    #[schema(format = Date)]
    pub due_date: String,
    pub met_at: Option<super::wire::Timestamp>,
    pub met_note: Option<String>,
    pub confirmed_at: Option<super::wire::Timestamp>,
}

impl From<scal_store::records::certificates::ConditionRecord> for CertificateConditionRecordOut {
    fn from(c: scal_store::records::certificates::ConditionRecord) -> Self {
        Self {
            id: c.id,
            requirement_id: c.requirement_id,
            text: c.text,
            due_date: c.due_date,
            met_at: c.met_at.map(rfc3339).map(Into::into),
            met_note: c.met_note,
            confirmed_at: c.confirmed_at.map(rfc3339).map(Into::into),
        }
    }
}

/// The supplier says a condition of its accepted SCAL is met. 409 once NHS England confirmed it.
#[utoipa::path(post, path = "/api/v1/conditions/{id}/met", tag = "certificates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Condition ID")), request_body = ConditionMetIn,
    responses((status = 200, body = CertificateConditionRecordOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn condition_met(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConditionMetIn>,
) -> Result<Json<CertificateConditionRecordOut>, ApiError> {
    let step = scal_app::certificates::ConditionStep::Met;
    let c = scal_app::certificates::condition(&state.app, &actor, &id, step, &body.note, state.now()).await?;
    Ok(Json(c.into()))
}

/// NHS England confirms a condition the supplier says is met, lifting a suspension it caused.
/// 409 before the supplier says so, or once confirmed.
#[utoipa::path(post, path = "/api/v1/conditions/{id}/confirm", tag = "certificates", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Condition ID")),
    responses((status = 200, body = CertificateConditionRecordOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn condition_confirm(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<CertificateConditionRecordOut>, ApiError> {
    let step = scal_app::certificates::ConditionStep::Confirmed;
    let c = scal_app::certificates::condition(&state.app, &actor, &id, step, "", state.now()).await?;
    Ok(Json(c.into()))
}
