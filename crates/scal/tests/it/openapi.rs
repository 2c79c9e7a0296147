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
                (true, _) => &["400", "415", "422"],
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
