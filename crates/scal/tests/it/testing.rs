//! Technical conformance testing after NHS England accepts a SCAL: NHS England records a
//! witness-test result per test case (the demo template's requirements name `GPCM-SD-TST-*`
//! test cases), the supplier sees them and is told, and testing completes when every test case is
//! passed or not applicable. Every refusal on the way, through the API and the pages.

use std::collections::BTreeSet;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::review::{submitted_with_a_red_item, RED};
use crate::support::{TestApp, PASSWORD};

const SUPPLIER: &str = "admin@acme.example";
const REVIEWER: &str = "reviewer@nhse.example";
const OTHER: &str = "admin@brightwater.example";
const SERVICE: &str = "GPC-SEND-DOC";

/// The test cases the demo template's GP Connect Send Document requirements name (its other
/// cells say "N/A" or "Pre-condition / covered by other tests", which are not test cases).
const TEST_CASES: [&str; 8] = [
    "GPCM-SD-TST-01",
    "GPCM-SD-TST-03",
    "GPCM-SD-TST-04",
    "GPCM-SD-TST-05",
    "GPCM-SD-TST-06",
    "GPCM-SD-TST-07",
    "GPCM-SD-TST-08",
    "GPCM-SD-TST-13",
];

/// Accepts a submitted round through the API: every item accepted, the red one agreed.
async fn accept(app: &TestApp, round: &str) {
    let reviewer = app.token_for(REVIEWER).await;
    let (status, review) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{review}");
    let verdicts: Vec<Value> = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let mut verdict =
                json!({"sheet": i["sheet"], "requirement_id": i["requirement_id"], "verdict": "accepted"});
            if i["requirement_id"] == RED {
                verdict["decision"] = json!("agreed");
            }
            verdict
        })
        .collect();
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round}/verdicts"),
            Some(&reviewer),
            Some(json!({ "verdicts": verdicts })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round}/accept"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "accepted");
}

/// Acme PAS's SCAL, submitted with a red item and accepted.
pub(crate) async fn accepted_scal(app: &TestApp) -> String {
    let (scal, round) = submitted_with_a_red_item(app).await;
    accept(app, &round).await;
    scal
}

fn case<'a>(testing: &'a Value, service: &str) -> &'a Value {
    testing["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["service"] == service)
        .unwrap_or_else(|| panic!("{service} in {testing}"))
}

fn test_case<'a>(testing: &'a Value, id: &str) -> &'a Value {
    case(testing, SERVICE)["test_cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {testing}"))
}

async fn audit_entries(app: &TestApp, kind: &str) -> Vec<scal_store::StoredAudit> {
    let filter = scal_store::records::AuditFilter {
        kind: Some(kind.into()),
        limit: 100_000,
        ..Default::default()
    };
    scal_store::records::audit::list(app.app().store.pool(), &filter)
        .await
        .unwrap()
}

async fn notifications(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let (status, list) = app.api(Method::GET, "/api/v1/notifications", Some(token), None).await;
    assert_eq!(status, StatusCode::OK);
    list.as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .cloned()
        .collect()
}

#[tokio::test]
async fn nhs_england_records_witness_tests_of_an_accepted_scal_until_testing_is_complete() {
    let app = TestApp::demo().await;
    let supplier = app.token_for(SUPPLIER).await;
    let reviewer = app.token_for(REVIEWER).await;
    let other = app.token_for(OTHER).await;
    let (scal, round) = submitted_with_a_red_item(&app).await;
    let testing_path = format!("/api/v1/scals/{scal}/testing");
    let results = format!("/api/v1/scals/{scal}/testing/{SERVICE}/results");
    let pass = |id: &str| json!({"test_case_id": id, "outcome": "passed"});

    // Before acceptance: the test cases are known, nothing can be recorded.
    let (status, before) = app.api(Method::GET, &testing_path, Some(&reviewer), None).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert!(before["accepted_round"].is_null());
    let ids: BTreeSet<&str> = case(&before, SERVICE)["test_cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, TEST_CASES.into_iter().collect(), "{before}");
    assert_eq!(test_case(&before, "GPCM-SD-TST-03")["requirements"][0], "GPCM-SD-028");
    assert_eq!(case(&before, SERVICE)["status"], "not_started");
    assert_eq!(before["complete"], false);
    let (status, body) = app
        .api(Method::POST, &results, Some(&reviewer), Some(pass("GPCM-SD-TST-01")))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("accepted"),
        "{body}"
    );

    accept(&app, &round).await;
    let (_, accepted) = app.api(Method::GET, &testing_path, Some(&supplier), None).await;
    assert_eq!(accepted["accepted_round"], 1);
    assert_eq!(case(&accepted, SERVICE)["status"], "not_started");
    assert_eq!(case(&accepted, SERVICE)["counts"]["outstanding"], 8);

    // Only NHS England records: the supplier is forbidden, another supplier sees nothing.
    let (status, _) = app
        .api(Method::POST, &results, Some(&supplier), Some(pass("GPCM-SD-TST-01")))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .api(Method::POST, &results, Some(&other), Some(pass("GPCM-SD-TST-01")))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.api(Method::GET, &testing_path, Some(&other), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/testing/PDS-FHIR/results"),
            Some(&reviewer),
            Some(pass("GPCM-SD-TST-01")),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a service the SCAL does not cover");

    // Files: the supplier's own, and another supplier's.
    let own = scal_app::evidence::upload(
        app.app(),
        &scal_app::Actor::System,
        &scal,
        "tst-01-log.txt",
        b"message sent and acknowledged",
        app.now(),
    )
    .await
    .unwrap();
    let their_scal = app.issue_scal("Brightwater EPR", None).await;
    let theirs = scal_app::evidence::upload(
        app.app(),
        &scal_app::Actor::System,
        &their_scal,
        "theirs.txt",
        b"another supplier's log",
        app.now(),
    )
    .await
    .unwrap();

    // Bad input: each names its field, and nothing is stored.
    let refusals = [
        (
            json!({"test_case_id": "GPCM-SD-TST-99", "outcome": "passed"}),
            "test_case_id",
        ),
        (
            json!({"test_case_id": "GPCM-SD-TST-01", "outcome": "failed"}),
            "outcome",
        ),
        (json!({"test_case_id": "GPCM-SD-TST-01"}), "outcome"),
        (
            json!({"test_case_id": "GPCM-SD-TST-01", "outcome": "remedial_action_needed", "remedial_action": "  "}),
            "remedial_action",
        ),
        (
            json!({"test_case_id": "GPCM-SD-TST-01", "outcome": "remedial_action_needed", "remedial_action": "Fix \u{7} it"}),
            "remedial_action",
        ),
        (
            json!({"test_case_id": "GPCM-SD-TST-01", "outcome": "passed", "evidence_ids": [theirs.id]}),
            "evidence_ids",
        ),
        (
            json!({"test_case_id": "GPCM-SD-TST-01", "outcome": "passed", "evidence_ids": ["not-a-file"]}),
            "evidence_ids",
        ),
    ];
    for (body, field) in refusals {
        let (status, answer) = app
            .api(Method::POST, &results, Some(&reviewer), Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    assert!(audit_entries(&app, "testing.result_recorded").await.is_empty());
    let (_, unchanged) = app.api(Method::GET, &testing_path, Some(&reviewer), None).await;
    assert_eq!(case(&unchanged, SERVICE)["status"], "not_started", "nothing stored");

    // A pass with the supplier's log, then a failure needing remedial action.
    let (status, body) = app
        .api(
            Method::POST,
            &results,
            Some(&reviewer),
            Some(json!({"test_case_id": "GPCM-SD-TST-01", "outcome": "passed", "evidence_ids": [own.id]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(case(&body, SERVICE)["status"], "in_progress");
    let first = &test_case(&body, "GPCM-SD-TST-01")["result"];
    assert_eq!(first["outcome"], "passed");
    assert_eq!(first["recorded_by"], REVIEWER);
    assert_eq!(first["evidence"][0]["file_name"], "tst-01-log.txt");
    let remedial = "The ITK3 acknowledgement is not requested: set the handling specification";
    let (status, body) = app
        .api(
            Method::POST,
            &results,
            Some(&reviewer),
            Some(json!({"test_case_id": "gpcm-sd-tst-03", "outcome": "remedial_action_needed", "remedial_action": remedial})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        case(&body, SERVICE)["counts"],
        json!({"passed": 1, "remedial_action_needed": 1, "not_applicable": 0, "outstanding": 6})
    );
    assert!(body["incomplete"]
        .as_array()
        .unwrap()
        .contains(&json!("GPCM-SD-TST-03 (GPC-SEND-DOC) needs remedial action")));

    // The supplier sees the results and is told what to put right (in the app and by email).
    let (status, seen) = app.api(Method::GET, &testing_path, Some(&supplier), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        test_case(&seen, "GPCM-SD-TST-03")["result"]["remedial_action"],
        remedial
    );
    let told = notifications(&app, &supplier, "test_remedial_action").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0]["message"].as_str().unwrap().contains(remedial));
    assert_eq!(told[0]["link"], format!("/scals/{scal}/testing"));
    let outbox = scal_app::notifications::outbox(app.app(), false).await.unwrap();
    assert!(outbox
        .iter()
        .any(|m| m.to_address == SUPPLIER && m.body.contains(remedial)));
    // A file a result cites stays.
    let (status, body) = app
        .api(
            Method::DELETE,
            &format!("/api/v1/evidence/{}", own.id),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Every other test case passes or does not apply; the remedial one is witnessed again.
    for id in &TEST_CASES[2..7] {
        let (status, body) = app.api(Method::POST, &results, Some(&reviewer), Some(pass(id))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, body) = app
        .api(
            Method::POST,
            &results,
            Some(&reviewer),
            Some(json!({"test_case_id": "GPCM-SD-TST-13", "outcome": "not_applicable"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["complete"], false, "TST-03 still needs remedial action");
    assert!(notifications(&app, &supplier, "testing_complete").await.is_empty());
    let (status, body) = app
        .api(Method::POST, &results, Some(&reviewer), Some(pass("GPCM-SD-TST-03")))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["complete"], true, "{body}");
    assert_eq!(body["incomplete"], json!([]));
    assert_eq!(case(&body, SERVICE)["status"], "complete");
    assert!(test_case(&body, "GPCM-SD-TST-03")["result"]["remedial_action"].is_null());
    assert_eq!(notifications(&app, &supplier, "testing_complete").await.len(), 1);

    // The rule the certificate will read agrees.
    let system = scal_app::Actor::System;
    let testing = scal_app::testing::for_scal(app.app(), &system, &scal).await.unwrap();
    assert!(testing.complete());

    // Every result is in the audit log; the latest replaced the remedial one, which is its "before".
    let entries = audit_entries(&app, "testing.result_recorded").await;
    assert_eq!(entries.len(), 9);
    let replaced = entries
        .iter()
        .find(|e| {
            e.before
                .as_ref()
                .is_some_and(|b| b["outcome"] == "remedial_action_needed")
        })
        .expect("the second result of TST-03 names the first");
    let after = replaced.after.as_ref().unwrap();
    assert_eq!(after["result"]["outcome"], "passed");
    assert_eq!(after["testing_complete"], true);
    assert_eq!(replaced.entity_id, scal);
}

#[tokio::test]
async fn a_service_that_needs_no_testing_blocks_nothing_and_takes_no_results() {
    let app = TestApp::demo().await;
    let admin = app.token_for("admin@nhse.example").await;
    let reviewer = app.token_for(REVIEWER).await;
    let scal = accepted_scal(&app).await;

    // The flag is changed alone: the other fields stay as they were.
    let (_, service) = app
        .api(Method::GET, &format!("/api/v1/services/{SERVICE}"), Some(&admin), None)
        .await;
    assert_eq!(
        service["testing_required"], true,
        "services need testing unless told otherwise"
    );
    let (status, changed) = app
        .api(
            Method::PATCH,
            &format!("/api/v1/services/{SERVICE}"),
            Some(&admin),
            Some(json!({"testing_required": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["testing_required"], false);
    assert_eq!(changed["name"], service["name"]);
    assert_eq!(changed["network"], service["network"]);

    let (_, testing) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{scal}/testing"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(case(&testing, SERVICE)["status"], "not_required");
    assert_eq!(case(&testing, SERVICE)["testing_required"], false);
    assert_eq!(testing["complete"], true);
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/testing/{SERVICE}/results"),
            Some(&reviewer),
            Some(json!({"test_case_id": "GPCM-SD-TST-01", "outcome": "passed"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "service");

    // A new service needs testing unless it says otherwise (an open-access API).
    for (code, body, expected) in [
        ("NEW-API", json!({}), true),
        ("OPEN-API", json!({"testing_required": false}), false),
    ] {
        let mut body = body;
        body["code"] = json!(code);
        body["name"] = json!("A new API");
        body["network"] = json!("internet");
        body["onboarding_route"] = json!("scal");
        let (status, created) = app
            .api(Method::POST, "/api/v1/services", Some(&admin), Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["testing_required"], expected, "{code}");
    }
}

#[tokio::test]
async fn the_testing_pages_show_results_to_the_supplier_and_take_them_from_nhs_england() {
    let app = TestApp::demo().await;
    let scal = accepted_scal(&app).await;
    let reviewer = app.sign_in(REVIEWER, PASSWORD).await.unwrap();
    let supplier = app.sign_in(SUPPLIER, PASSWORD).await.unwrap();
    let testing = format!("/scals/{scal}/testing");
    let question = format!("{testing}/{SERVICE}/GPCM-SD-TST-01");

    let scal_page = app
        .page(Some(&supplier), Method::GET, &format!("/scals/{scal}"), &[])
        .await;
    assert!(
        scal_page.html.contains(&format!("href=\"{testing}\"")),
        "the SCAL page links to testing"
    );
    let page = app.page(Some(&reviewer), Method::GET, &testing, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Not started"));
    assert!(page.html.contains(&format!("href=\"{question}\"")));

    let form = app.page(Some(&reviewer), Method::GET, &question, &[]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("What was the result of GPCM-SD-TST-01?"));
    assert!(
        form.html.contains("cscr.pdf"),
        "the supplier's files are offered as evidence"
    );

    // Remedial action without what: the error summary names it, and the choice is kept.
    let refused = app
        .page(
            Some(&reviewer),
            Method::POST,
            &question,
            &[("outcome", "remedial_action_needed"), ("remedial_action", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("nhsuk-error-summary"));
    assert!(refused.html.contains("href=\"#remedial_action\""));
    assert!(refused.html.contains("Enter what the supplier needs to put right"));
    assert!(refused.html.contains("value=\"remedial_action_needed\" checked"));

    let saved = app
        .page(
            Some(&reviewer),
            Method::POST,
            &question,
            &[
                ("outcome", "remedial_action_needed"),
                ("remedial_action", "Send the acknowledgement request"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    assert_eq!(saved.location(), Some(format!("{testing}#case-{SERVICE}").as_str()));
    let shown = app.follow(&reviewer, &saved).await;
    assert!(shown.html.contains("The test result has been saved"));
    assert!(shown.html.contains("Remedial action needed"));
    assert!(shown.html.contains("In progress"));

    // The supplier sees the result and what to put right, and cannot record one.
    let theirs = app.page(Some(&supplier), Method::GET, &testing, &[]).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(theirs.html.contains("Send the acknowledgement request"));
    assert!(!theirs.html.contains("Record result"));
    let (status, forbidden) = {
        let page = app.page(Some(&supplier), Method::GET, &question, &[]).await;
        (page.status, page.html)
    };
    assert_eq!(status, StatusCode::FORBIDDEN, "{forbidden}");
    let unknown = app
        .page(
            Some(&reviewer),
            Method::GET,
            &format!("{testing}/{SERVICE}/GPCM-SD-TST-99"),
            &[],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}
