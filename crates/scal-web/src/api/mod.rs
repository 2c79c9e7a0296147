//! The JSON API under `/api/v1`. Bearer tokens only; errors are always
//! `{"error":{"code","message","field"}}` (see `ErrorBody`).

mod agreements;
mod audit;
mod certificates;
mod changes;
mod onboarding;
mod organisations;
mod password;
mod products;
mod review;
mod scals;
mod services;
mod shares;
mod templates;
mod testing;
mod threads;
mod tokens;
mod types;
mod upcoming;
mod uplift;
pub(crate) mod wire;

use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::Json;
use scal_app::Actor;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::{ApiError, AppState};

pub(crate) use agreements::origin as agreement_origin;
pub use changes::RoundChangesOut;
pub use review::ReviewOut;
pub use types::*;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "scal API",
        version = "1",
        description = "Supplier Conformance Assessment List (SCAL) assurance. Authenticate with \
            `Authorization: Bearer <token>`; create tokens in the web UI (API tokens) or with \
            `scal token create`. Errors have the shape `{\"error\":{\"code\",\"message\",\"field\"}}`."
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail, crate::error::FieldProblem)),
    tags(
        (name = "account", description = "The caller"),
        (name = "organisations", description = "Suppliers, end user organisations and NHS England"),
        (name = "users", description = "People and their roles"),
        (name = "products", description = "Suppliers' products"),
        (name = "services", description = "The catalogue of NHS services"),
        (name = "tokens", description = "The caller's API tokens"),
        (name = "audit", description = "The audit log (NHS England administrators)"),
        (name = "templates", description = "SCAL templates: import, versions, publishing, differences"),
        (name = "scal", description = "A product's SCAL: issued sheets, workbook, answers"),
        (name = "onboarding", description = "The supplier journey: enquiries, answers, cases, evidence, submissions, notifications"),
        (name = "agreements", description = "Connection agreements (versions, prepared, accepted and sealed) and go-live per product and service"),
        (name = "certificates", description = "Certificates of technical conformance: issue, check (without signing in), revoke; their conditions"),
        (name = "review", description = "NHS England's review of a round: verdicts, decisions on red items, question threads with the supplier, internal notes, acceptance, withdrawal"),
        (name = "shares", description = "End user organisations: accepted SCALs shared with them, the product's acceptable use policy, their DCB0160 local assurance"),
        (name = "testing", description = "Technical conformance testing of an accepted SCAL: NHS England's witness-test result of each test case"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The one rule for a request the API cannot take, documented once as shared responses and
/// referenced by every operation it applies to (`extract::ApiJson` and `ApiQuery` answer so):
/// - `400 bad_request`: the body is not JSON, or a query parameter is not of its type;
/// - `415 unsupported_media_type`: a JSON body sent without `Content-Type: application/json`;
/// - `422 invalid`: JSON of the wrong shape, or a well-formed body that breaks a rule (the
///   field is named).
pub(crate) fn document_request_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    let components = doc.components.get_or_insert_with(Default::default);
    components.responses.insert(
        "BadRequest".into(),
        RefOr::T(error(
            "`bad_request`: the body is not valid JSON, or a query parameter is not of its type",
        )),
    );
    components.responses.insert(
        "UnsupportedMediaType".into(),
        RefOr::T(error(
            "`unsupported_media_type`: a JSON body needs `Content-Type: application/json`",
        )),
    );
    components.responses.insert(
        "PayloadTooLarge".into(),
        RefOr::T(error(
            "`payload_too_large`: the body is larger than the server takes (text is counted as sent, escapes included)",
        )),
    );
    components.responses.insert(
        "Invalid".into(),
        RefOr::T(error(
            "`invalid`: JSON of the wrong shape, or values that break a rule; `error.field` and `error.fields` name each field",
        )),
    );
    let shared = |name: &str| RefOr::Ref(Ref::new(format!("#/components/responses/{name}")));
    for item in doc.paths.paths.values_mut() {
        for op in [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            let json_body = op
                .request_body
                .as_ref()
                .is_some_and(|b| b.content.contains_key("application/json"));
            let query = op.parameters.as_ref().is_some_and(|ps| {
                ps.iter()
                    .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query))
            });
            let responses = &mut op.responses.responses;
            if json_body || query {
                responses.entry("400".into()).or_insert_with(|| shared("BadRequest"));
            }
            if json_body {
                responses
                    .entry("415".into())
                    .or_insert_with(|| shared("UnsupportedMediaType"));
                responses
                    .entry("413".into())
                    .or_insert_with(|| shared("PayloadTooLarge"));
                responses.entry("422".into()).or_insert_with(|| shared("Invalid"));
            }
        }
    }
}

/// Every field of every response is always sent (null or empty when it has no value: no response
/// type skips a field), so the document says so: a schema only responses use lists all its
/// properties as required, and a generated client need not ask whether a field came at all.
/// Schemas a request uses keep their own `required` (a request may leave an optional field out).
pub(crate) fn document_response_fields(doc: &mut utoipa::openapi::OpenApi) {
    use std::collections::BTreeSet;
    // Every schema a request can reach, through `$ref`s at any depth.
    fn refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(target)) = map.get("$ref") {
                    if let Some(name) = target.strip_prefix("#/components/schemas/") {
                        out.push(name.to_string());
                    }
                }
                map.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let Ok(whole) = serde_json::to_value(&*doc) else {
        return;
    };
    let schemas = &whole["components"]["schemas"];
    let mut pending = Vec::new();
    for item in whole["paths"].as_object().into_iter().flat_map(|paths| paths.values()) {
        for op in item.as_object().into_iter().flat_map(|ops| ops.values()) {
            refs(&op["requestBody"], &mut pending);
            refs(&op["parameters"], &mut pending);
        }
    }
    let mut in_requests = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if in_requests.insert(name.clone()) {
            refs(&schemas[&name], &mut pending);
        }
    }
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for (name, schema) in components.schemas.iter_mut() {
        if in_requests.contains(name) {
            continue;
        }
        if let utoipa::openapi::RefOr::T(utoipa::openapi::Schema::Object(object)) = schema {
            object.required = object.properties.keys().cloned().collect();
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    router_with(crate::pages::UploadLimits::default())
}

/// The API router; workbook uploads may be up to `limits.workbook_bytes`, evidence a little over
/// `limits.evidence_bytes` (so the service reports a file over the limit as a field error), other
/// bodies the global limit.
pub fn router_with(limits: crate::pages::UploadLimits) -> OpenApiRouter<AppState> {
    let uploads = OpenApiRouter::new()
        .routes(routes!(templates::import_template))
        .routes(routes!(scals::import_answers))
        .routes(routes!(review::review_workbook, review::upload_review_workbook))
        .layer(axum::extract::DefaultBodyLimit::max(limits.workbook_bytes));
    let evidence = OpenApiRouter::new()
        .routes(routes!(onboarding::upload_evidence, onboarding::list_evidence))
        .routes(routes!(shares::upload_file, shares::download_file))
        .layer(axum::extract::DefaultBodyLimit::max(
            limits.evidence_bytes.saturating_add(1024 * 1024),
        ));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(organisations::me))
        .routes(routes!(password::change_password))
        .routes(routes!(
            organisations::list_organisations,
            organisations::create_organisation
        ))
        .routes(routes!(
            organisations::get_organisation,
            organisations::update_organisation
        ))
        .routes(routes!(organisations::list_users, organisations::create_user))
        .routes(routes!(organisations::get_user, organisations::update_user))
        .routes(routes!(password::send_password_reset))
        .routes(routes!(products::list_products, products::create_product))
        .routes(routes!(products::get_product, products::update_product))
        .routes(routes!(services::list_services, services::create_service))
        .routes(routes!(services::get_service, services::update_service))
        .routes(routes!(services::list_reviewers, services::assign_reviewer))
        .routes(routes!(services::unassign_reviewer))
        .routes(routes!(tokens::list_tokens, tokens::create_token))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(audit::list_audit))
        .routes(routes!(templates::list_templates))
        .routes(routes!(templates::get_template))
        .routes(routes!(templates::get_version))
        .routes(routes!(templates::publish_version))
        .routes(routes!(templates::diff_versions))
        .routes(routes!(templates::export_version))
        .routes(routes!(scals::issue))
        .routes(routes!(scals::workbook))
        .routes(routes!(scals::view))
        .routes(routes!(onboarding::create_enquiry, onboarding::list_enquiries))
        .routes(routes!(onboarding::get_enquiry))
        .routes(routes!(onboarding::issue_enquiry))
        .routes(routes!(onboarding::ask_about_enquiry))
        .routes(routes!(onboarding::decline_enquiry))
        .routes(routes!(onboarding::answer_enquiry))
        .routes(routes!(onboarding::get_scal))
        .routes(routes!(onboarding::save_answer))
        .routes(routes!(onboarding::list_cases))
        .routes(routes!(onboarding::set_use_case))
        .routes(routes!(onboarding::confirm_information))
        .routes(routes!(onboarding::link_evidence, onboarding::unlink_evidence))
        .routes(routes!(onboarding::download_evidence, onboarding::delete_evidence))
        .routes(routes!(onboarding::submit))
        .routes(routes!(onboarding::list_submissions))
        .routes(routes!(onboarding::get_submission))
        .routes(routes!(onboarding::return_submission))
        .routes(routes!(onboarding::assign_reviewer))
        .routes(routes!(certificates::issue, certificates::list))
        .routes(routes!(certificates::get))
        .routes(routes!(certificates::status))
        .routes(routes!(certificates::jws))
        .routes(routes!(certificates::pdf))
        .routes(routes!(certificates::revoke))
        .routes(routes!(certificates::condition_met))
        .routes(routes!(certificates::condition_confirm))
        .routes(routes!(agreements::publish_version, agreements::list_versions))
        .routes(routes!(agreements::request_acceptance))
        .routes(routes!(agreements::prepare, agreements::list))
        .routes(routes!(agreements::get))
        .routes(routes!(agreements::accept))
        .routes(routes!(agreements::change_signatory))
        .routes(routes!(agreements::withdraw))
        .routes(routes!(agreements::seal))
        .routes(routes!(agreements::check_seal))
        .routes(routes!(agreements::go_live, agreements::approve_go_live))
        .routes(routes!(review::get_review))
        .routes(routes!(review::record_verdicts))
        .routes(routes!(review::accept))
        .routes(routes!(review::withdraw))
        .routes(routes!(changes::round_changes))
        .routes(routes!(onboarding::list_notifications))
        .routes(routes!(upcoming::upcoming))
        .routes(routes!(threads::list_threads, threads::open_thread))
        .routes(routes!(threads::get_thread))
        .routes(routes!(threads::reply))
        .routes(routes!(threads::resolve))
        .routes(routes!(threads::list_notes, threads::add_note))
        .routes(routes!(testing::get_testing))
        .routes(routes!(testing::record_result))
        .routes(routes!(shares::create, shares::for_product))
        .routes(routes!(shares::list))
        .routes(routes!(shares::get))
        .routes(routes!(shares::revoke))
        .routes(routes!(shares::set_files))
        .routes(routes!(shares::file))
        .routes(routes!(shares::scal))
        .routes(routes!(shares::workbook))
        .routes(routes!(shares::publish_policy, shares::product_policy))
        .routes(routes!(shares::share_policy))
        .routes(routes!(shares::acknowledge))
        .routes(routes!(shares::local_assurance))
        .routes(routes!(shares::safety_officer))
        .routes(routes!(shares::local_controls))
        .routes(routes!(shares::decide))
        .routes(routes!(shares::go_live))
        .routes(routes!(uplift::impact))
        .routes(routes!(uplift::uplift))
        .routes(routes!(uplift::reopenings))
        .routes(routes!(uplift::declare_change))
        .routes(routes!(uplift::confirm))
        .merge(uploads)
        .merge(evidence)
        .route("/api/v1/openapi.json", axum::routing::get(openapi_json))
}

async fn openapi_json() -> Response {
    static DOC: OnceLock<serde_json::Value> = OnceLock::new();
    Json(
        DOC.get_or_init(|| serde_json::to_value(crate::openapi()).unwrap_or_default())
            .clone(),
    )
    .into_response()
}

/// The caller of an API route, from `Authorization: Bearer <token>`.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim().to_string())
            .ok_or_else(|| ApiError::from(scal_app::AppError::Unauthenticated))?;
        let token = token.as_str();
        let Ok(crate::client::ClientAddr(client)) = crate::client::ClientAddr::from_request_parts(parts, state).await;
        Ok(Self(
            scal_app::auth::authenticate_token(&state.app, token, client, state.now()).await?,
        ))
    }
}
