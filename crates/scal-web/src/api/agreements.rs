//! Connection agreements and go-live: versions (NHS England administrators publish them), an
//! agreement prepared for a certified SCAL and accepted by its named signatory (sealed), the seal
//! as a document `scal verify --agreement` checks, and go-live per product and service.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{rfc3339, ApiActor};
use crate::client::ClientAddr;
use crate::error::ErrorBody;
use crate::extract::ApiJson;
use crate::{ApiError, AppState};

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementVersionOut {
    pub id: String,
    pub title: String,
    pub text: String,
    /// The SHA-256 of the text: the version's identity.
    pub sha256: String,
    #[schema(format = Date)]
    pub effective_date: String,
    pub published_by: String,
    pub published_at: super::wire::Timestamp,
}

impl From<scal_store::records::agreements::VersionRecord> for AgreementVersionOut {
    fn from(v: scal_store::records::agreements::VersionRecord) -> Self {
        Self {
            id: v.id,
            title: v.title,
            text: v.text,
            sha256: v.sha256,
            effective_date: v.effective_date,
            published_by: v.published_by,
            published_at: rfc3339(v.published_at).into(),
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PublishVersionIn {
    #[serde(default)]
    #[schema(required)]
    pub title: super::wire::Line200,
    #[serde(default)]
    #[schema(required)]
    pub text: super::wire::Text200000,
    #[serde(default)]
    #[schema(required)]
    pub effective_date: super::wire::Date,
}

/// Publishes a new agreement version (NHS England administrators).
#[utoipa::path(post, path = "/api/v1/agreement-versions", operation_id = "publish_agreement_version", tag = "agreements", security(("bearer" = [])),
    request_body = PublishVersionIn,
    responses((status = 201, body = AgreementVersionOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn publish_version(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<PublishVersionIn>,
) -> Result<(StatusCode, Json<AgreementVersionOut>), ApiError> {
    let v = scal_app::agreements::publish_version(
        &state.app,
        &actor,
        &body.title,
        &body.text,
        &body.effective_date,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

/// Every published agreement version, newest first.
#[utoipa::path(get, path = "/api/v1/agreement-versions", tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = Vec<AgreementVersionOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_versions(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Vec<AgreementVersionOut>>, ApiError> {
    let list = scal_app::agreements::versions(&state.app, &actor).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestAcceptanceOut {
    /// The agreements prepared on the new version, one per existing party.
    pub prepared: Vec<AgreementOut>,
    /// Parties skipped, and why.
    pub skipped: Vec<String>,
}

/// Asks every existing party to accept this version: a new agreement on it for each SCAL whose
/// agreement in force is on another version (NHS England).
#[utoipa::path(post, path = "/api/v1/agreement-versions/{id}/request-acceptance", tag = "agreements", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Agreement version ID")),
    responses((status = 200, body = RequestAcceptanceOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn request_acceptance(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<RequestAcceptanceOut>, ApiError> {
    let (prepared, skipped) = scal_app::agreements::request_acceptance(&state.app, &actor, &id, state.now()).await?;
    Ok(Json(RequestAcceptanceOut {
        prepared: prepared.into_iter().map(AgreementOut::new).collect(),
        skipped,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementOut {
    pub id: String,
    /// `CNTR` and seven digits.
    pub reference: String,
    /// `prepared`, `accepted` (not in force yet), `active` or `superseded`: derived today.
    pub state: super::wire::AgreementState,
    pub scal_id: String,
    pub product: String,
    pub supplier: String,
    pub certificate_id: String,
    pub version: AgreementVersionOut,
    pub signatory_email: String,
    pub signatory_name: String,
    pub prepared_by: String,
    pub prepared_at: super::wire::Timestamp,
    /// What the signatory agrees to.
    pub consent_statement: String,
    pub accepted_at: Option<super::wire::Timestamp>,
    #[schema(format = Date)]
    pub start_date: Option<String>,
    /// The seal's SHA-256 as stored at acceptance, once accepted.
    pub seal_sha256: Option<String>,
    /// Once accepted: whether the seal hash recomputed from the stored acceptance is still
    /// `seal_sha256` (`false`: the stored acceptance was altered).
    pub seal_intact: Option<bool>,
    /// The named signatory is still an active administrator of the supplier; if not, NHS England
    /// names another (`POST /api/v1/agreements/{id}/signatory`) or withdraws the agreement.
    pub signatory_eligible: bool,
}

impl AgreementOut {
    pub(crate) fn new(view: scal_app::agreements::AgreementView) -> Self {
        let r = view.record;
        Self {
            id: r.id,
            reference: r.reference,
            state: view.state.code().into(),
            scal_id: r.scal_id,
            product: view.product,
            supplier: view.supplier,
            certificate_id: r.certificate_id,
            version: view.version.into(),
            signatory_email: view.signatory_email,
            signatory_name: view.signatory_name,
            prepared_by: r.prepared_by,
            prepared_at: rfc3339(r.prepared_at).into(),
            consent_statement: scal_domain::agreement::CONSENT_STATEMENT.into(),
            accepted_at: r.accepted_at.map(rfc3339).map(Into::into),
            start_date: r.start_date,
            seal_intact: r.seal_sha256.as_ref().map(|_| view.seal_recomputed.is_none()),
            seal_sha256: r.seal_sha256,
            signatory_eligible: view.signatory_eligible,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PrepareAgreementIn {
    #[serde(default)]
    #[schema(required)]
    pub version_id: super::wire::Id,
    /// The email address of the supplier administrator who is to accept it.
    #[serde(default)]
    #[schema(required)]
    pub signatory: super::wire::Email,
}

/// Prepares the connection agreement for a certified SCAL (NHS England), naming the signatory. 409
/// unless its certificate is issued and valid, or while another agreement waits.
#[utoipa::path(post, path = "/api/v1/scals/{id}/agreements", operation_id = "prepare_agreement", tag = "agreements", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")), request_body = PrepareAgreementIn,
    responses((status = 201, body = AgreementOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn prepare(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PrepareAgreementIn>,
) -> Result<(StatusCode, Json<AgreementOut>), ApiError> {
    let view =
        scal_app::agreements::prepare(&state.app, &actor, &id, &body.version_id, &body.signatory, state.now()).await?;
    Ok((StatusCode::CREATED, Json(AgreementOut::new(view))))
}

/// The SCAL's agreements, newest first.
#[utoipa::path(get, path = "/api/v1/scals/{id}/agreements", operation_id = "list_agreements", tag = "agreements", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")),
    responses((status = 200, body = Vec<AgreementOut>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<AgreementOut>>, ApiError> {
    let list = scal_app::agreements::for_scal(&state.app, &actor, &id, state.now().date()).await?;
    Ok(Json(list.into_iter().map(AgreementOut::new).collect()))
}

#[utoipa::path(get, path = "/api/v1/agreements/{id}", operation_id = "get_agreement", tag = "agreements", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Agreement ID")),
    responses((status = 200, body = AgreementOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<AgreementOut>, ApiError> {
    let view = scal_app::agreements::get(&state.app, &actor, &id, state.now().date()).await?;
    Ok(Json(AgreementOut::new(view)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AcceptAgreementIn {
    #[serde(default)]
    #[schema(required)]
    pub full_name: super::wire::Line200,
    #[serde(default)]
    #[schema(required)]
    pub job_title: super::wire::Line200,
}

/// The named signatory accepts the agreement against the consent statement; the acceptance is
/// sealed with the client's address and user agent. Anyone else: 403 (404 outside the supplier);
/// 409 unless it is waiting for acceptance.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/accept", operation_id = "accept_agreement", tag = "agreements", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Agreement ID")), request_body = AcceptAgreementIn,
    responses((status = 200, body = AgreementOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AcceptAgreementIn>,
) -> Result<Json<AgreementOut>, ApiError> {
    let origin = origin(client, &headers);
    let view = scal_app::agreements::accept(
        &state.app,
        &actor,
        &id,
        &body.full_name,
        &body.job_title,
        &origin,
        state.now(),
    )
    .await?;
    Ok(Json(AgreementOut::new(view)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SignatoryIn {
    /// The email address of an active administrator of the supplier.
    #[serde(default)]
    #[schema(required)]
    pub signatory: super::wire::Email,
}

/// Names another signatory on an agreement waiting for acceptance (NHS England); the new
/// signatory is told. 409 once accepted; 422 `signatory` unless an active administrator of the
/// supplier.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/signatory", tag = "agreements", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Agreement ID")), request_body = SignatoryIn,
    responses((status = 200, body = AgreementOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_signatory(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SignatoryIn>,
) -> Result<Json<AgreementOut>, ApiError> {
    let view = scal_app::agreements::change_signatory(&state.app, &actor, &id, &body.signatory, state.now()).await?;
    Ok(Json(AgreementOut::new(view)))
}

/// Withdraws an agreement waiting for acceptance (NHS England): it is removed, audited, and its
/// signatory told; a new one can then be prepared. 409 once accepted.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/withdraw", operation_id = "withdraw_agreement", tag = "agreements", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Agreement ID")),
    responses((status = 204, description = "Withdrawn"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    scal_app::agreements::withdraw(&state.app, &actor, &id, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where a request came from, for a seal.
pub(crate) fn origin(client: Option<std::net::IpAddr>, headers: &HeaderMap) -> scal_app::agreements::Origin {
    scal_app::agreements::Origin {
        client_address: client.map(|ip| ip.to_string()),
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
    }
}

/// The acceptance's seal as a document: the sealed fields, each field's SHA-256 and the seal hash.
/// Save it and check it offline with `scal verify --agreement FILE`. 409 before acceptance.
#[utoipa::path(get, path = "/api/v1/agreements/{id}/seal", tag = "agreements", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Agreement ID")),
    responses((status = 200, body = SealDocumentIn), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn seal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let view = scal_app::agreements::get(&state.app, &actor, &id, state.now().date()).await?;
    let Some(doc) = view.seal else {
        return Err(scal_app::AppError::Conflict(format!(
            "Agreement {} has not been accepted: it has no seal",
            view.record.reference
        ))
        .into());
    };
    Ok(Json(serde_json::to_value(doc).unwrap_or_default()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GoLiveApprovalOut {
    pub service: String,
    pub agreement_id: String,
    pub certificate_id: String,
    pub approved_by: String,
    pub approved_at: super::wire::Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GoLiveOut {
    pub approvals: Vec<GoLiveApprovalOut>,
    /// What stops go-live today (empty: NHS England may approve it).
    pub blockers: Vec<String>,
}

async fn go_live_out(state: &AppState, actor: &scal_app::Actor, scal_id: &str) -> Result<GoLiveOut, ApiError> {
    let approvals = scal_app::golive::for_scal(&state.app, actor, scal_id).await?;
    let cases = scal_app::cases::cases(&state.app, actor, scal_id, state.now()).await?.1;
    let blockers = scal_app::golive::blockers(&state.app, actor, scal_id, state.now()).await?;
    Ok(GoLiveOut {
        approvals: approvals
            .into_iter()
            .map(|a| GoLiveApprovalOut {
                service: cases
                    .iter()
                    .find(|c| c.id == a.case_id)
                    .map(|c| c.service.code.as_str().to_string())
                    .unwrap_or_default(),
                agreement_id: a.agreement_id,
                certificate_id: a.certificate_id,
                approved_by: a.approved_by,
                approved_at: rfc3339(a.approved_at).into(),
            })
            .collect(),
        blockers,
    })
}

/// The SCAL's go-live approvals and what stops go-live today.
#[utoipa::path(get, path = "/api/v1/scals/{id}/go-live", operation_id = "go_live_status", tag = "agreements", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")),
    responses((status = 200, body = GoLiveOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn go_live(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<GoLiveOut>, ApiError> {
    Ok(Json(go_live_out(&state, &actor, &id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ApproveGoLiveIn {
    /// The service code.
    #[serde(default)]
    #[schema(required)]
    pub service: super::wire::ServiceCode,
}

/// Approves go-live for one product and service (NHS England). 409 `blocked`, naming every failing
/// check (certificate valid, agreement active, DSPT current, penetration test within 12 months);
/// 409 `conflict` once approved.
#[utoipa::path(post, path = "/api/v1/scals/{id}/go-live", tag = "agreements", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")), request_body = ApproveGoLiveIn,
    responses((status = 201, body = GoLiveOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn approve_go_live(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ApproveGoLiveIn>,
) -> Result<(StatusCode, Json<GoLiveOut>), ApiError> {
    scal_app::golive::approve(&state.app, &actor, &id, &body.service, state.now()).await?;
    Ok((StatusCode::CREATED, Json(go_live_out(&state, &actor, &id).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SealCheckOut {
    /// The claimed seal is the one recorded at acceptance, field for field and hash.
    pub verified: bool,
    /// The check that failed: `field:NAME` (the first field that differs from what was sealed) or
    /// `seal_hash`.
    pub check: Option<String>,
    pub message: Option<String>,
}

/// A seal document's shape (`scal_domain::agreement::SealDocument`, which reads and writes it):
/// these types only describe it in the API document. Unknown fields are refused.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SealDocumentIn {
    /// The agreement's reference, for people (not sealed).
    reference: String,
    seal: SealIn,
    /// Each sealed field's SHA-256, by name.
    field_sha256: std::collections::BTreeMap<String, String>,
    /// The SHA-256 of the seal's canonical JSON (RFC 8785).
    seal_sha256: String,
}

/// What an acceptance seals.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SealIn {
    signatory: SealSignatoryIn,
    organisation: SealOrganisationIn,
    agreement_version_sha256: String,
    certificate_id: String,
    snapshot_sha256: String,
    consent: String,
    /// RFC 3339 in UTC.
    accepted_at: String,
    client_address: Option<String>,
    user_agent: String,
}

/// Who accepted.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SealSignatoryIn {
    full_name: String,
    job_title: String,
    email: String,
}

/// On whose behalf.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SealOrganisationIn {
    name: String,
    ods_code: String,
}

/// Checks a seal document (as downloaded from `GET /api/v1/agreements/{id}/seal`, perhaps kept
/// elsewhere since) against the seal recorded at acceptance, naming the first field that differs.
/// 409 before acceptance; 422 when the body is not a seal document.
#[utoipa::path(post, path = "/api/v1/agreements/{id}/seal/check", tag = "agreements", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Agreement ID")), request_body = SealDocumentIn,
    responses((status = 200, body = SealCheckOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check_seal(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<SealCheckOut>, ApiError> {
    // Who may see the agreement is decided before the body is looked at.
    scal_app::agreements::get(&state.app, &actor, &id, state.now().date()).await?;
    let claimed: scal_domain::agreement::SealDocument = serde_json::from_value(body)
        .map_err(|e| scal_app::AppError::invalid("seal", format!("This is not a seal document: {e}")))?;
    let result = scal_app::agreements::check_seal(&state.app, &actor, &id, &claimed, state.now().date()).await?;
    Ok(Json(match result {
        Ok(()) => SealCheckOut {
            verified: true,
            check: None,
            message: None,
        },
        Err(error) => SealCheckOut {
            verified: false,
            check: Some(error.check()),
            message: Some(error.to_string()),
        },
    }))
}
