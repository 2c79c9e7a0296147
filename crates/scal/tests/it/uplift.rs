//! Re-assurance through the API: version 2 of a template with a requirement added, two changed and
//! one removed; the live SCAL uplifted, only the delta open, resubmitted, reviewed on the delta and
//! accepted; a missed due date suspending the certificate; a product change reopening the
//! information and service sheets.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{audit_count, TestApp};

const BRIGHT: &str = "admin@brightwater.example";
const REVIEWER: &str = "reviewer@nhse.example";
const NHSE: &str = "admin@nhse.example";

/// The demo world with every journey seeded (Brightwater Connect live and shared with
/// Riverside), and version 2 of the GP Connect template published: GPCM-SD-900 added, GPCM-C-2's
/// text changed, GPCM-SD-032 from SHOULD to MUST, GPCM-SD-106 removed. Returns (template ID,
/// Brightwater Connect's SCAL ID).
pub(crate) async fn world_with_version_2(app: &TestApp) -> (String, String) {
    // The demo's journeys publish version 2 (`demo::demo_template_version_2`) and uplift Acme
    // Referrals to it.
    scal_app::demo::seed_journeys(app.app(), app.now()).await.unwrap();
    let system = scal_app::Actor::System;
    let template = scal_app::templates::list(app.app(), &system)
        .await
        .unwrap()
        .into_iter()
        .find(|(t, _)| t.name == "GP Connect: Send Document")
        .unwrap()
        .0
        .id;
    let connect = app.product_id("Brightwater Connect").await;
    let scal = scal_app::scals::sheets(app.app(), &system, &connect).await.unwrap()[0]
        .record
        .scal_id
        .clone();
    (template, scal)
}

fn ids(list: &Value) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["requirement_id"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

async fn scal(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, body) = app
        .api(Method::GET, &format!("/api/v1/scals/{id}"), Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn sheet_of<'a>(scal: &'a Value, requirement: &str) -> &'a Value {
    scal["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["requirements"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["requirement_id"] == requirement)
        })
        .unwrap_or_else(|| panic!("{requirement} in {scal}"))
}

#[tokio::test]
async fn a_live_scal_is_uplifted_to_the_delta_resubmitted_reviewed_on_it_and_accepted() {
    let app = TestApp::demo().await;
    let (template, connect) = world_with_version_2(&app).await;
    let nhse = app.token_for(NHSE).await;
    let reviewer = app.token_for(REVIEWER).await;
    let bright = app.token_for(BRIGHT).await;
    let riverside = app.token_for("practice@riverside.example").await;

    // The impact: every SCAL on version 1, in every state, each with its delta.
    let (status, impact) = app
        .api(
            Method::GET,
            &format!("/api/v1/templates/{template}/impact"),
            Some(&nhse),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{impact}");
    assert_eq!(impact["version"], 2);
    let affected = impact["affected"].as_array().unwrap();
    let states: Vec<&str> = affected.iter().map(|a| a["status"].as_str().unwrap()).collect();
    for state in ["live", "with_nhs_england"] {
        assert!(states.contains(&state), "{state} in {states:?}");
    }
    assert!(
        !affected
            .iter()
            .any(|a| a["product"].as_str().unwrap().starts_with("Acme Referrals")),
        "the demo uplifted Acme Referrals already"
    );
    let live = affected.iter().find(|a| a["scal_id"] == connect.as_str()).unwrap();
    assert_eq!(ids(&live["delta"]["added"]), ["GPCM-SD-900"]);
    assert_eq!(ids(&live["delta"]["changed"]), ["GPCM-C-2", "GPCM-SD-032"]);
    assert_eq!(ids(&live["delta"]["removed"]), ["GPCM-SD-106"]);
    let level = live["delta"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["requirement_id"] == "GPCM-SD-032")
        .unwrap();
    assert!(level["what"].to_string().contains("level (SHOULD to MUST)"), "{level}");
    // Suppliers do not see the impact.
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/api/v1/templates/{template}/impact"),
            Some(&bright),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Bad input is named; nothing is uplifted.
    let uplifts = format!("/api/v1/templates/{template}/uplifts");
    let (status, body) = app
        .api(
            Method::POST,
            &uplifts,
            Some(&nhse),
            Some(json!({"scal_ids": ["5b7e0a1c-0000-4000-8000-00000000dead"], "due_date": "2020-01-01"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["due_date", "scals"]);
    assert_eq!(audit_count(&app, "scal.uplifted").await, 1, "only the demo's uplift");

    let due = (app.now() + time::Duration::days(30)).date().to_string();
    let (status, outcome) = app
        .api(
            Method::POST,
            &uplifts,
            Some(&nhse),
            Some(json!({"scal_ids": [connect], "due_date": due})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(outcome["uplifted"].as_array().unwrap().len(), 1, "{outcome}");
    // Already on version 2: refused, naming it.
    let (status, body) = app
        .api(
            Method::POST,
            &uplifts,
            Some(&nhse),
            Some(json!({"scal_ids": [connect], "due_date": due})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("scals"))
    );

    // Only the delta is open: the added requirement unanswered, the changed ones to confirm; the
    // removed one archived with its last answer; the certificate still valid; everyone told.
    let view = scal(&app, &bright, &connect).await;
    assert_eq!(view["status"]["code"], "reopened", "{}", view["status"]);
    assert_eq!(view["status"]["reopened_due"], due.as_str());
    assert_eq!(view["locked"], false);
    assert_eq!(ids(&view["to_confirm"]), ["GPCM-C-2", "GPCM-SD-032"]);
    let blockers = view["blockers"].as_array().unwrap();
    assert_eq!(blockers.len(), 3, "{blockers:?}");
    for id in ["GPCM-SD-900", "GPCM-C-2", "GPCM-SD-032"] {
        assert!(
            blockers.iter().any(|b| b.as_str().unwrap().contains(id)),
            "{id}: {blockers:?}"
        );
    }
    assert!(
        !view.to_string().contains("GPCM-SD-106"),
        "the removed requirement is gone"
    );
    let (_, reopenings) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{connect}/reopenings"),
            Some(&bright),
            None,
        )
        .await;
    let archived = &reopenings[0]["details"]["archived"][0];
    assert_eq!(
        (archived["requirement_id"].as_str(), archived["answer"].as_str()),
        (Some("GPCM-SD-106"), Some("Yes"))
    );
    let (_, certs) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{connect}/certificates"),
            Some(&bright),
            None,
        )
        .await;
    assert_eq!(certs[0]["status"], "valid", "valid until the due date");
    let (_, told) = app.api(Method::GET, "/api/v1/notifications", Some(&bright), None).await;
    assert!(told.to_string().contains("1 added, 2 changed, 1 removed"), "{told}");
    let (_, told) = app
        .api(Method::GET, "/api/v1/notifications", Some(&riverside), None)
        .await;
    assert!(told.to_string().contains("uplift its SCAL"), "{told}");

    // The supplier answers what was added, confirms one changed answer and changes the other.
    let sheet = sheet_of(&view, "GPCM-SD-900")["id"].as_str().unwrap().to_string();
    let answer =
        |id: &'static str, value: &'static str| json!({"sheet_id": sheet, "requirement_id": id, "answer": value});
    let (status, body) = app
        .api(
            Method::PUT,
            &format!("/api/v1/scals/{connect}/answers"),
            Some(&bright),
            Some(answer("GPCM-SD-900", "Yes")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let confirmations = format!("/api/v1/scals/{connect}/confirmations");
    let (status, body) = app
        .api(
            Method::POST,
            &confirmations,
            Some(&bright),
            Some(json!({"sheet_id": sheet, "requirement_id": "GPCM-C-2"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, _) = app
        .api(
            Method::POST,
            &confirmations,
            Some(&bright),
            Some(json!({"sheet_id": sheet, "requirement_id": "GPCM-C-2"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing left to confirm");
    let (status, body) = app
        .api(
            Method::PUT,
            &format!("/api/v1/scals/{connect}/answers"),
            Some(&bright),
            Some(answer("GPCM-SD-032", "Yes")),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let view = scal(&app, &bright, &connect).await;
    assert_eq!(view["blockers"], json!([]), "{}", view["blockers"]);
    let (status, round) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{connect}/submissions"),
            Some(&bright),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{round}");
    assert_eq!(round["round"], 2);
    let round = round["id"].as_str().unwrap().to_string();

    // Reviewed on the delta: every unchanged item carries its verdict from round 1.
    let (_, review) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    let unreviewed: Vec<String> = {
        let mut v: Vec<String> = review["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["verdict"].is_null())
            .map(|i| i["requirement_id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(unreviewed, ["GPCM-C-2", "GPCM-SD-032", "GPCM-SD-900"], "{review}");
    let verdicts: Vec<Value> = unreviewed
        .iter()
        .map(|id| json!({"sheet": sheet_of(&view, id)["name"], "requirement_id": id, "verdict": "accepted"}))
        .collect();
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round}/verdicts"),
            Some(&reviewer),
            Some(json!({"verdicts": verdicts})),
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
    let view = scal(&app, &bright, &connect).await;
    assert_eq!(view["status"]["code"], "live", "{}", view["status"]);
    assert_eq!(view["locked"], true);
    let (_, reopenings) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{connect}/reopenings"),
            Some(&bright),
            None,
        )
        .await;
    assert_eq!(reopenings[0]["open"], false);
    let (_, told) = app
        .api(Method::GET, "/api/v1/notifications", Some(&riverside), None)
        .await;
    assert!(told.to_string().contains("accepted round 2 of the SCAL"), "{told}");
    assert_eq!(audit_count(&app, "scal.uplifted").await, 2, "the demo's and this one");
    assert!(audit_count(&app, "scal.change_confirmed").await >= 1);
}

#[tokio::test]
async fn a_missed_uplift_suspends_the_certificate_and_a_product_change_reopens_its_sheets() {
    let app = TestApp::demo().await;
    let (template, connect) = world_with_version_2(&app).await;
    let nhse = app.token_for(NHSE).await;
    let due = (app.now() + time::Duration::days(10)).date().to_string();
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/templates/{template}/uplifts"),
            Some(&nhse),
            Some(json!({"due_date": due})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Every SCAL affected, but the one with NHS England is left, saying why.
    assert!(body["uplifted"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["scal_id"] == connect.as_str()));
    assert!(
        body["skipped"].to_string().contains("with NHS England"),
        "{}",
        body["skipped"]
    );
    // Reminded 7 days before its due date, once, however often the scheduler runs.
    let week_before = app.now() + time::Duration::days(3);
    for _ in 0..2 {
        scal_app::jobs::run_all(app.app(), "test", week_before).await.unwrap();
    }
    let bright = app.token_for(BRIGHT).await;
    let (_, told) = app.api(Method::GET, "/api/v1/notifications", Some(&bright), None).await;
    let reminders = told
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "reminder" || n["message"].to_string().contains("Uplift"))
        .filter(|n| n["message"].to_string().to_lowercase().contains("uplift"))
        .filter(|n| !n["message"].to_string().contains("NHS England uplifted"))
        .count();
    assert_eq!(reminders, 1, "{told}");
    app.clock.advance(time::Duration::days(11));
    let bright = app.token_for(BRIGHT).await;
    let (_, certs) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{connect}/certificates"),
            Some(&bright),
            None,
        )
        .await;
    let id = certs[0]["id"].as_str().unwrap();
    let (_, public) = app
        .api(Method::GET, &format!("/api/v1/certificates/{id}/status"), None, None)
        .await;
    assert_eq!(public["status"], "suspended", "{public}");
    assert!(
        public
            .to_string()
            .contains("uplift to GP Connect: Send Document version 2"),
        "{public}"
    );

    // A product change: refused while a round is with NHS England, named field by field, then
    // declared on the live SCAL: the information sheet and the service's sheet reopen.
    let epr = app.product_id("Brightwater EPR").await;
    let epr_scal = scal_app::scals::sheets(app.app(), &scal_app::Actor::System, &epr)
        .await
        .unwrap()[0]
        .record
        .scal_id
        .clone();
    let change = json!({"kind": "new_version", "version": "1.5", "description": "New hosting provider", "services": ["GPC-SEND-DOC"]});
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{epr_scal}/product-changes"),
            Some(&bright),
            Some(change.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let changes = format!("/api/v1/scals/{connect}/product-changes");
    let (status, body) = app
        .api(
            Method::POST,
            &changes,
            Some(&bright),
            Some(json!({"kind": "new_version", "services": ["E-RS"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("not one of this SCAL's services"), "{body}");
    let (status, body) = app.api(Method::POST, &changes, Some(&bright), Some(change)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let view = scal(&app, &bright, &connect).await;
    assert_eq!(view["information_review"], true);
    assert_eq!(view["sheets_to_confirm"].as_array().unwrap().len(), 1, "{view}");
    assert!(view["blockers"].to_string().contains("check this sheet and confirm it"));
    let (_, product) = app
        .api(
            Method::GET,
            &format!("/api/v1/products/{}", app.product_id("Brightwater Connect").await),
            Some(&bright),
            None,
        )
        .await;
    assert_eq!(product["version"], "1.5", "{product}");
    let reviewer = app.token_for(REVIEWER).await;
    let (_, told) = app
        .api(Method::GET, "/api/v1/notifications", Some(&reviewer), None)
        .await;
    assert!(told.to_string().contains("New hosting provider"), "{told}");
    // Confirming the sheet clears it.
    let sheet = view["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == view["sheets_to_confirm"][0])
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{connect}/confirmations"),
            Some(&bright),
            Some(json!({"sheet_id": sheet})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let view = scal(&app, &bright, &connect).await;
    assert_eq!(view["sheets_to_confirm"], json!([]));
    assert_eq!(audit_count(&app, "product.change_declared").await, 1);
}

/// Two uplifts of the same SCAL at once (a double-clicked form, two administrators): one uplifts
/// it, the other finds it already on the version under the SCAL's lock and leaves it, saying so.
#[tokio::test]
async fn two_uplifts_at_once_reopen_a_scal_once() {
    let app = TestApp::demo().await;
    let (template, connect) = world_with_version_2(&app).await;
    let nhse = scal_app::auth::actor_for(
        &scal_store::records::users::get_by_email(app.app().store.pool(), NHSE)
            .await
            .unwrap()
            .unwrap(),
    );
    let due = (app.now() + time::Duration::days(30)).date().to_string();
    let ids = [connect.clone()];
    let (a, b) = tokio::join!(
        scal_app::uplift::uplift(app.app(), &nhse, &template, None, &ids, &due, app.now()),
        scal_app::uplift::uplift(app.app(), &nhse, &template, None, &ids, &due, app.now()),
    );
    let outcomes: Vec<_> = [a, b].into_iter().filter_map(Result::ok).collect();
    let uplifted: usize = outcomes.iter().map(|o| o.uplifted.len()).sum();
    assert_eq!(uplifted, 1, "{outcomes:?}");
    let reopenings = scal_app::uplift::for_scal(app.app(), &scal_app::Actor::System, &connect)
        .await
        .unwrap();
    assert_eq!(reopenings.len(), 1);
    assert_eq!(
        audit_count(&app, "scal.uplifted").await,
        2,
        "the demo's and one of these"
    );
}
