use axum::http::{Method, StatusCode};

use crate::support::TestApp;

/// The API's contract changes only on purpose: review the snapshot diff (`cargo insta review`).
#[test]
fn the_openapi_document_is_unchanged() {
    insta::assert_json_snapshot!("openapi", serde_json::to_value(scal_web::openapi()).unwrap());
}

#[tokio::test]
async fn the_document_is_served_without_authentication() {
    let app = TestApp::empty().await;
    let (status, doc) = app.api(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["info"]["title"], "scal API");
    for path in [
        "/api/v1/products",
        "/api/v1/products/{id}",
        "/api/v1/organisations",
        "/api/v1/services",
        "/api/v1/audit",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

/// The one rule for requests the API cannot take is in the document for every operation it
/// applies to: 400, 415 and 422 for every JSON body, 400 for every query string.
#[test]
fn every_operation_documents_the_request_errors_it_can_answer() {
    let doc = serde_json::to_value(scal_web::openapi()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = &op["responses"];
            let json_body = op["requestBody"]["content"]["application/json"].is_object();
            let query = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
            let wanted: &[&str] = match (json_body, query) {
                (true, _) => &["400", "413", "415", "422"],
                (false, true) => &["400"],
                (false, false) => &[],
            };
            for code in wanted {
                assert!(
                    responses[code].is_object(),
                    "{method} {path} documents {code}: {responses}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked}");
    assert_eq!(
        doc["components"]["responses"]["UnsupportedMediaType"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
}

/// What a generator needs from the document's structure: an operationId per operation, unique
/// (clients name their functions by it); path parameters exactly the path's `{...}` names (a query
/// parameter declared "in: path" made generators drop the operation); file uploads as binary
/// strings (as arrays of integers, a generated client could not send a file).
#[test]
fn the_document_is_one_a_client_can_be_generated_from() {
    let doc = serde_json::to_value(scal_web::openapi()).unwrap();
    let mut ids = std::collections::BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let mut in_template: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        in_template.sort_unstable();
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            if let Some(other) = ids.insert(id.clone(), format!("{method} {path}")) {
                panic!("operationId {id} names both {other} and {method} {path}");
            }
            let mut declared: Vec<&str> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .filter_map(|p| p["name"].as_str())
                .collect();
            declared.sort_unstable();
            assert_eq!(declared, in_template, "{method} {path}: path parameters");
            for (media, content) in op["requestBody"]["content"].as_object().into_iter().flatten() {
                if media == "application/octet-stream" {
                    assert_eq!(content["schema"]["type"], "string", "{method} {path}");
                    assert_eq!(content["schema"]["format"], "binary", "{method} {path}");
                }
            }
        }
    }
    assert!(ids.len() > 100, "{}", ids.len());
}

/// utoipa names a schema after its Rust type and keeps one of two with the same name without a
/// word, documenting an operation with another's body: every API type has its own name.
#[test]
fn every_api_type_has_its_own_schema_name() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scal-web/src/api");
    let mut seen = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        let mut derives_schema = false;
        for line in source.lines().map(str::trim) {
            if line.starts_with("#[derive(") {
                derives_schema = line.contains("ToSchema");
            } else if let Some(rest) = line
                .strip_prefix("pub struct ")
                .or_else(|| line.strip_prefix("pub enum "))
            {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if derives_schema {
                    let file = path.file_name().unwrap().to_string_lossy().to_string();
                    if let Some(other) = seen.insert(name.clone(), file.clone()) {
                        panic!("{name} is defined in both {other} and {file}");
                    }
                }
                derives_schema = false;
            }
        }
    }
    assert!(seen.len() > 100, "{}", seen.len());
}

/// A file is downloaded with the type it was stored as: each download documents every type an
/// evidence file can have, and no other.
#[test]
fn file_downloads_document_every_evidence_type() {
    let doc = serde_json::to_value(scal_web::openapi()).unwrap();
    let mut wanted: Vec<&str> = scal_domain::evidence::EvidenceKind::ALL
        .iter()
        .map(|k| k.content_type())
        .collect();
    wanted.sort_unstable();
    for path in [
        "/api/v1/evidence/{id}",
        "/api/v1/shares/{id}/files/{evidence_id}",
        "/api/v1/shares/{id}/local-assurance/files/{which}",
    ] {
        let content = doc["paths"][path]["get"]["responses"]["200"]["content"]
            .as_object()
            .unwrap_or_else(|| panic!("{path}"));
        let mut documented: Vec<&str> = content.keys().map(String::as_str).collect();
        documented.sort_unstable();
        assert_eq!(documented, wanted, "{path}");
    }
}

/// A body of the wrong shape is 422 `invalid` everywhere, the enquiry issue's optional body too.
#[tokio::test]
async fn a_body_of_the_wrong_shape_is_invalid_on_every_route() {
    let app = crate::support::TestApp::demo().await;
    let token = app.token_for("reviewer@nhse.example").await;
    let (status, body) = app
        .api(
            axum::http::Method::POST,
            "/api/v1/enquiries/3f1c9a40-0000-4000-8000-000000000000/issue",
            Some(&token),
            Some(serde_json::json!({"templates": "not a list"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (axum::http::StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")),
        "{body}"
    );
}
