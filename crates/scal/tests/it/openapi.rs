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
