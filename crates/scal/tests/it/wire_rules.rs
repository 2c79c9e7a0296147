//! The rules the OpenAPI document states are the rules the server keeps (#15 point 2): a whole
//! number written with a fraction (`1.0`) is the integer it names, a number out of its documented
//! range is refused naming the field whatever else the body says, and a service code is read in
//! any case wherever one is sent.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::TestApp;

fn fields(body: &Value) -> Vec<String> {
    body["error"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .map(|f| f["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn issuing_reads_a_version_written_as_1_0_and_refuses_one_out_of_range() {
    let app = TestApp::demo().await;
    let supplier = app.token_for("admin@acme.example").await;
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let product = app.product_id("Acme PAS").await;
    let (status, enquiry) = app
        .api(
            Method::POST,
            "/api/v1/enquiries",
            Some(&supplier),
            Some(json!({"product_id": product, "services": ["GPC-SEND-DOC"],
                "use_cases": {"GPC-SEND-DOC": "Discharge summaries"}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{enquiry}");
    let issue = format!("/api/v1/enquiries/{}/issue", enquiry["id"].as_str().unwrap());

    let (status, error) = app
        .api(
            Method::POST,
            &issue,
            Some(&reviewer),
            Some(json!({"templates": [{"service": "GPC-SEND-DOC", "version": 1.5}]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "not a whole number: {error}");
    // A version without a template is a version of the default template: 0 is none of them.
    let (status, error) = app
        .api(
            Method::POST,
            &issue,
            Some(&reviewer),
            Some(json!({"templates": [{"service": "GPC-SEND-DOC", "version": 0}]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(fields(&error), ["version"]);

    let (status, issued) = app
        .api(
            Method::POST,
            &issue,
            Some(&reviewer),
            Some(json!({
                "templates": [{"service": "gpc-send-doc", "version": 1.0}],
                "scoped_out": [{"service": "gpc-send-doc", "requirement_id": "GPCM-SD-028",
                    "reason": "No organisation resource in this use case"}],
            })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let (_, scal) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{}", issued["scal_id"].as_str().unwrap()),
            Some(&supplier),
            None,
        )
        .await;
    let service = scal["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "service")
        .unwrap();
    assert_eq!(service["scoped_out"][0]["requirement_id"], "GPCM-SD-028");
}

#[tokio::test]
async fn a_step_is_an_integer_from_1_to_10_whatever_the_subject() {
    let app = TestApp::demo().await;
    let scal = crate::onboarding_pages::submitted_scal(&app).await;
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let notes = format!("/api/v1/scals/{scal}/notes");

    let (status, note) = app
        .api(
            Method::POST,
            &notes,
            Some(&reviewer),
            Some(json!({"service": "GPC-SEND-DOC", "step": 6.0, "body": "Check the DCB0129 registration"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    assert_eq!(note["subject"]["kind"], "step");
    assert_eq!(note["subject"]["step"], 6);

    for (body, expected) in [
        (json!({"subject": "scal", "step": 11, "body": "x"}), vec!["step"]),
        (json!({"subject": "scal", "step": 0, "body": "x"}), vec!["step"]),
        // The document says integer: a string is not one.
        (json!({"service": "GPC-SEND-DOC", "step": "6", "body": "x"}), vec![]),
        (json!({"service": "GPC-SEND-DOC", "step": 6.5, "body": "x"}), vec![]),
    ] {
        let (status, error) = app.api(Method::POST, &notes, Some(&reviewer), Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(fields(&error), expected, "{body}: {error}");
    }
    let (_, listed) = app.api(Method::GET, &notes, Some(&reviewer), None).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "only the good note is stored");
}
