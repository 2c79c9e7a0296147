//! NHS England's review through the API: verdicts on every item, a decision on the red item, a
//! return listing what was queried, a second round reviewed only where it changed (verdicts
//! carried), acceptance with a condition; and every refusal on the way.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::onboarding_pages::submitted_scal_with;
use crate::support::{audit_count, TestApp};

const SUPPLIER: &str = "admin@acme.example";
const REVIEWER: &str = "reviewer@nhse.example";
pub(crate) const RED: &str = "GPCM-C-1";

/// Acme PAS submitted with one red item, explained; returns (SCAL ID, submission ID).
pub(crate) async fn submitted_with_a_red_item(app: &TestApp) -> (String, String) {
    submitted_with_a_red_item_for(app, "Acme PAS", SUPPLIER).await
}

/// A product's SCAL submitted by `email` with one red item ([`RED`]), explained.
pub(crate) async fn submitted_with_a_red_item_for(app: &TestApp, product: &str, email: &str) -> (String, String) {
    let scal = submitted_scal_with(
        app,
        product,
        email,
        &[(
            RED,
            "No",
            "MESH mailbox pending",
            "Documents sent by secure email meanwhile",
            "2027-03-31",
        )],
    )
    .await;
    let submission = latest_round(app, &scal).await;
    (scal, submission)
}

async fn latest_round(app: &TestApp, scal: &str) -> String {
    let system = scal_app::Actor::System;
    let view = scal_app::scals::view_scal(app.app(), &system, scal).await.unwrap();
    view.rounds.last().unwrap().id.clone()
}

fn item<'a>(review: &'a Value, id: &str) -> &'a Value {
    review["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["requirement_id"] == id)
        .unwrap_or_else(|| panic!("{id} in {review}"))
}

/// A verdict of accepted on every item but `except`.
fn accept_all_but(review: &Value, except: &[&str]) -> Value {
    let verdicts: Vec<Value> = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !except.contains(&i["requirement_id"].as_str().unwrap()))
        .map(|i| json!({"sheet": i["sheet"], "requirement_id": i["requirement_id"], "verdict": "accepted"}))
        .collect();
    json!({ "verdicts": verdicts })
}

#[tokio::test]
async fn a_round_is_reviewed_returned_reviewed_again_only_where_it_changed_and_accepted() {
    let app = TestApp::demo().await;
    let supplier = app.token_for(SUPPLIER).await;
    let reviewer = app.token_for(REVIEWER).await;
    let other = app.token_for("admin@brightwater.example").await;
    let (scal, round1) = submitted_with_a_red_item(&app).await;
    let review_path = format!("/api/v1/submissions/{round1}/review");
    let verdicts_path = format!("/api/v1/submissions/{round1}/verdicts");

    // Every item of the round, as submitted, none reviewed yet: nothing can be accepted.
    let (status, review) = app.api(Method::GET, &review_path, Some(&reviewer), None).await;
    assert_eq!(status, StatusCode::OK, "{review}");
    let total = review["items"].as_array().unwrap().len();
    assert!(total > 10, "{review}");
    assert_eq!(review["unreviewed"], total);
    assert_eq!(item(&review, RED)["rag"], "red");
    assert_eq!(
        item(&review, RED)["mitigation"],
        "Documents sent by secure email meanwhile"
    );
    let sheet = item(&review, RED)["sheet"].as_str().unwrap().to_string();
    assert!(review["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|b| b == &json!(format!("{RED} ({sheet}) has no verdict yet"))));

    // The supplier sees its own round, without a review in progress; another supplier nothing.
    let (status, theirs) = app.api(Method::GET, &review_path, Some(&supplier), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(item(&theirs, RED)["verdict"].is_null());
    assert_eq!(theirs["blockers"], json!([]));
    let (status, _) = app.api(Method::GET, &review_path, Some(&other), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Refusals: each names its field and stores nothing.
    let before = audit_count(&app, "review.verdict_recorded").await;
    let refusals = [
        (
            json!({"sheet": sheet, "requirement_id": "NOPE-1", "verdict": "accepted"}),
            "requirement_id",
        ),
        (
            json!({"sheet": sheet, "requirement_id": "GPCM-C-2", "verdict": "accepted", "decision": "agreed"}),
            "decision",
        ),
        (
            json!({"sheet": sheet, "requirement_id": RED, "verdict": "accepted"}),
            "decision",
        ),
        (
            json!({"sheet": sheet, "requirement_id": RED, "verdict": "accepted", "decision": "not_agreed"}),
            "verdict",
        ),
        (
            json!({"sheet": sheet, "requirement_id": "GPCM-C-2", "verdict": "query"}),
            "comment",
        ),
        (
            json!({"sheet": sheet, "requirement_id": "GPCM-C-2", "verdict": "maybe"}),
            "verdict",
        ),
        (
            json!({"sheet": sheet, "requirement_id": RED, "verdict": "accepted", "decision": "agreed_with_conditions",
                   "conditions": [{"text": "Go live with MESH", "due_date": ""}]}),
            "conditions[1].due",
        ),
        (
            json!({"sheet": sheet, "requirement_id": RED, "verdict": "accepted", "decision": "agreed_with_conditions",
                   "conditions": [{"text": "Go live with MESH", "due_date": "2020-01-01"}]}),
            "conditions[1].due",
        ),
        (
            json!({"sheet": sheet, "requirement_id": RED, "verdict": "accepted", "decision": "agreed_with_conditions"}),
            "conditions",
        ),
    ];
    for (verdict, field) in refusals {
        let (status, body) = app
            .api(
                Method::POST,
                &verdicts_path,
                Some(&reviewer),
                Some(json!({"verdicts": [verdict]})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{verdict}: {body}");
        assert_eq!(body["error"]["field"], field, "{verdict}: {body}");
    }
    // All or nothing: one bad verdict among good ones stores none, naming the item.
    let mut batch = accept_all_but(&review, &[RED]);
    batch["verdicts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"sheet": sheet, "requirement_id": RED, "verdict": "accepted"}));
    let (status, body) = app
        .api(Method::POST, &verdicts_path, Some(&reviewer), Some(batch))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], format!("items[{sheet}/{RED}].decision"));
    // Suppliers record no verdicts: their own round is forbidden, another's not found.
    let one = json!({"verdicts": [{"sheet": sheet, "requirement_id": "GPCM-C-2", "verdict": "accepted"}]});
    let (status, _) = app
        .api(Method::POST, &verdicts_path, Some(&supplier), Some(one.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .api(Method::POST, &verdicts_path, Some(&other), Some(one.clone()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, unchanged) = app.api(Method::GET, &review_path, Some(&reviewer), None).await;
    assert_eq!(unchanged["unreviewed"], total, "nothing stored");
    assert_eq!(audit_count(&app, "review.verdict_recorded").await, before);

    // Round 1: everything accepted but the red item, which is queried and not agreed yet.
    let (status, body) = app
        .api(
            Method::POST,
            &verdicts_path,
            Some(&reviewer),
            Some(accept_all_but(&review, &[RED])),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["unreviewed"], 1);
    let query = json!({"verdicts": [{"sheet": sheet, "requirement_id": RED, "verdict": "query",
        "comment": "When will the MESH mailbox be live?", "decision": "not_agreed"}]});
    let (status, body) = app
        .api(Method::POST, &verdicts_path, Some(&reviewer), Some(query))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(item(&body, RED)["verdict"]["verdict"], "query");
    assert_eq!(item(&body, RED)["verdict"]["decision"], "not_agreed");
    assert_eq!(
        audit_count(&app, "review.verdict_recorded").await,
        before + total,
        "one entry per verdict"
    );

    // It cannot be accepted: the query and the red item not agreed are named.
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round1}/accept"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "blocked");
    assert_eq!(
        body["error"]["blockers"],
        json!([
            format!("{RED} ({sheet}) has a query"),
            format!("{RED} ({sheet}) is red and its explanation and mitigation are not agreed"),
        ])
    );
    // Returned, with a summary; the supplier is told which items to look at.
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round1}/return"),
            Some(&reviewer),
            Some(json!({"reason": "Tell us when the MESH mailbox will be live"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "returned");
    assert_eq!(body["summary"], "Tell us when the MESH mailbox will be live");
    let (_, notes) = app
        .api(Method::GET, "/api/v1/notifications", Some(&supplier), None)
        .await;
    let returned = notes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "returned")
        .unwrap();
    assert!(
        returned["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{RED} ({sheet}): Query (When will the MESH mailbox be live?)")),
        "{returned}"
    );
    // Now decided, the supplier sees the verdicts; the round takes no more verdicts or decisions.
    let (_, theirs) = app.api(Method::GET, &review_path, Some(&supplier), None).await;
    assert_eq!(
        item(&theirs, RED)["verdict"]["comment"],
        "When will the MESH mailbox be live?"
    );
    let (status, _) = app
        .api(Method::POST, &verdicts_path, Some(&reviewer), Some(one.clone()))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    for action in ["accept", "withdraw"] {
        let token = if action == "accept" { &reviewer } else { &supplier };
        let (status, _) = app
            .api(
                Method::POST,
                &format!("/api/v1/submissions/{round1}/{action}"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{action} a decided round");
    }

    // The supplier changes only the red item's mitigation and submits round 2.
    let scal_json = app
        .api(Method::GET, &format!("/api/v1/scals/{scal}"), Some(&supplier), None)
        .await
        .1;
    let sheet_id = scal_json["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == sheet)
        .unwrap()["id"]
        .clone();
    let (status, body) = app
        .api(
            Method::PUT,
            &format!("/api/v1/scals/{scal}/answers"),
            Some(&supplier),
            Some(json!({"sheet_id": sheet_id, "requirement_id": RED, "answer": "No",
                "justification": "MESH mailbox pending", "mitigation": "Mailbox ordered, ref 1234; secure email meanwhile",
                "target_date": "2027-02-28"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/submissions"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let round2 = body["id"].as_str().unwrap().to_string();

    // Round 2: every unchanged item carries its verdict from round 1; only the red item waits.
    let (_, review2) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round2}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(review2["unreviewed"], 1, "{review2}");
    assert!(item(&review2, RED)["verdict"].is_null());
    assert_eq!(item(&review2, "GPCM-C-2")["verdict"]["carried_from_round"], 1);
    assert_eq!(item(&review2, "GPCM-C-2")["verdict"]["verdict"], "accepted");
    assert_eq!(
        review2["blockers"],
        json!([format!("{RED} ({sheet}) has no verdict yet")])
    );

    // A question thread on the red item, opened in round 1's review, blocks acceptance until
    // NHS England resolves it (after the supplier answers while the round is with NHS England).
    let (status, thread) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/threads"),
            Some(&reviewer),
            Some(json!({"sheet": sheet, "requirement_id": RED, "body": "Is the mailbox order confirmed?"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{thread}");
    let thread_id = thread["id"].as_str().unwrap().to_string();
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/threads/{thread_id}/messages"),
            Some(&supplier),
            Some(json!({"body": "Yes: order 1234, live by February"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // The red item agreed with a condition; the round is accepted.
    let agreed = json!({"verdicts": [{"sheet": sheet, "requirement_id": RED, "verdict": "accepted",
        "comment": "Mitigation agreed", "decision": "agreed_with_conditions",
        "conditions": [{"text": "Confirm the MESH mailbox is live", "due_date": "2027-02-28"}]}]});
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round2}/verdicts"),
            Some(&reviewer),
            Some(agreed),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["blockers"],
        json!([format!(
            "The thread on requirement {RED} on sheet {sheet} is not resolved"
        )])
    );
    let (status, blocked) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round2}/accept"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(
        (status, &blocked["error"]["blockers"]),
        (StatusCode::CONFLICT, &body["blockers"])
    );
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/threads/{thread_id}/resolve"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round2}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(body["blockers"], json!([]));
    assert_eq!(
        item(&body, RED)["verdict"]["conditions"],
        json!([{"text": "Confirm the MESH mailbox is live", "due_date": "2027-02-28"}])
    );
    let (status, accepted) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round2}/accept"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(audit_count(&app, "submission.accepted").await, 1);

    // The accepted SCAL: its status says so everywhere, and it is read-only for the supplier.
    let (_, scal_now) = app
        .api(Method::GET, &format!("/api/v1/scals/{scal}"), Some(&supplier), None)
        .await;
    assert_eq!(scal_now["status"]["code"], "accepted");
    assert_eq!(scal_now["status"]["label"], "Accepted by NHS England (round 2)");
    assert_eq!(scal_now["locked"], true);
    let (status, body) = app
        .api(
            Method::PUT,
            &format!("/api/v1/scals/{scal}/answers"),
            Some(&supplier),
            Some(json!({"sheet_id": sheet_id, "requirement_id": "GPCM-C-2", "answer": "No"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("read-only"),
        "{body}"
    );
    let (_, notes) = app
        .api(Method::GET, "/api/v1/notifications", Some(&supplier), None)
        .await;
    assert!(notes.as_array().unwrap().iter().any(|n| n["kind"] == "accepted"));
    // Every carried verdict is audited as the round starts with it.
    assert_eq!(audit_count(&app, "review.verdict_carried").await, total - 1);
    // An accepted SCAL takes no new questions.
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/threads"),
            Some(&reviewer),
            Some(json!({"subject": "scal", "body": "One more thing"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// A condition whose date passes while its round waits blocks acceptance, and is not carried into
/// the next round: the item needs a new verdict with a new date.
#[tokio::test]
async fn a_condition_past_its_date_blocks_acceptance_and_is_not_carried() {
    let app = TestApp::demo().await;
    let reviewer = app.token_for(REVIEWER).await;
    let (scal, round1) = submitted_with_a_red_item(&app).await;
    let (_, review) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round1}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    let sheet = item(&review, RED)["sheet"].clone();
    let due = (app.now() + time::Duration::days(2)).date().to_string();
    let mut all = accept_all_but(&review, &[RED]);
    all["verdicts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"sheet": sheet, "requirement_id": RED,
        "verdict": "accepted", "decision": "agreed_with_conditions",
        "conditions": [{"text": "Go live with MESH", "due_date": due}]}));
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round1}/verdicts"),
            Some(&reviewer),
            Some(all),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["blockers"], json!([]));
    app.clock.advance(time::Duration::days(3));
    let reviewer = app.token_for(REVIEWER).await;
    let supplier = app.token_for(SUPPLIER).await;
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round1}/accept"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["blockers"][0]
            .as_str()
            .unwrap()
            .contains(&format!("has a condition due on {due}, which has passed")),
        "{body}"
    );
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round1}/return"),
            Some(&reviewer),
            Some(json!({"reason": "Agree a new date for the condition"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/submissions"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let round2 = body["id"].as_str().unwrap();
    let (_, review2) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round2}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    assert!(
        item(&review2, RED)["verdict"].is_null(),
        "not carried: its condition is past due"
    );
    assert_eq!(review2["unreviewed"], 1);
}

#[tokio::test]
async fn a_supplier_may_withdraw_a_round_before_a_decision_and_change_the_scal_again() {
    let app = TestApp::demo().await;
    let supplier = app.token_for(SUPPLIER).await;
    let reviewer = app.token_for(REVIEWER).await;
    let other = app.token_for("admin@brightwater.example").await;
    let (scal, round1) = submitted_with_a_red_item(&app).await;
    let withdraw = format!("/api/v1/submissions/{round1}/withdraw");
    let (status, _) = app.api(Method::POST, &withdraw, Some(&reviewer), None).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "NHS England does not withdraw a supplier's round"
    );
    let (status, _) = app.api(Method::POST, &withdraw, Some(&other), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The reviewer has started: a query the supplier must not see, since withdrawing is not a
    // decision.
    let (_, review) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round1}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    let sheet = item(&review, RED)["sheet"].clone();
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round1}/verdicts"),
            Some(&reviewer),
            Some(
                json!({"verdicts": [{"sheet": sheet, "requirement_id": RED, "verdict": "query",
                "comment": "Working note: we doubt this", "decision": "not_agreed"}]}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app.api(Method::POST, &withdraw, Some(&supplier), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "withdrawn");
    let (_, theirs) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round1}/review"),
            Some(&supplier),
            None,
        )
        .await;
    assert!(
        item(&theirs, RED)["verdict"].is_null(),
        "a withdrawn round's review stays NHS England's"
    );
    assert_eq!(audit_count(&app, "submission.withdrawn").await, 1);
    let (_, scal_now) = app
        .api(Method::GET, &format!("/api/v1/scals/{scal}"), Some(&supplier), None)
        .await;
    assert_eq!(scal_now["locked"], false);
    assert_eq!(scal_now["status"]["code"], "ready_to_submit");
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round1}/accept"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "a withdrawn round is decided");
    // The next submission is round 2.
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/submissions"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["round"], 2);
}

/// The reviewer's pages, in-process: the round page leads to the items, filters narrow them,
/// each item has its verdict form (a red one with a decision and conditions), errors come back
/// in an error summary, the check page names what blocks and accepts once nothing does; the
/// supplier sees what was asked, with links to the items, and may withdraw.
#[tokio::test]
async fn a_reviewer_reviews_and_accepts_a_round_through_the_pages() {
    use crate::support::PASSWORD;
    let app = TestApp::demo().await;
    let reviewer = app.token_for(REVIEWER).await;
    let (scal, round) = submitted_with_a_red_item(&app).await;
    let session = app.sign_in(REVIEWER, PASSWORD).await.unwrap();
    let get = |path: String| {
        let session = session.clone();
        let app = &app;
        async move { app.page(Some(&session), Method::GET, &path, &[]).await }
    };

    let page = get(format!("/submissions/{round}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("0 items of"), "{}", page.html);
    assert!(page.html.contains(&format!("href=\"/submissions/{round}/items\"")));
    let items = get(format!("/submissions/{round}/items?show=red")).await;
    assert!(items.html.contains("Red: 1 item"), "{}", items.html);
    assert!(items.html.contains(RED));
    assert!(
        !items.html.contains("Changed since the last round"),
        "round 1 has no changes filter"
    );
    // A question on the red item: the filter of items with open questions finds it.
    let (_, review_json) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    let (status, thread) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/threads"),
            Some(&reviewer),
            Some(json!({"sheet": item(&review_json, RED)["sheet"], "requirement_id": RED, "body": "Is the order placed?"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let thread = thread["id"].as_str().unwrap().to_string();
    let with_questions = get(format!("/submissions/{round}/items?show=threads")).await;
    assert!(
        with_questions.html.contains("With open questions: 1 item"),
        "{}",
        with_questions.html
    );
    assert!(with_questions.html.contains(RED));

    // The red item: the question is the heading; a decision and conditions are asked for.
    let (_, review) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    let n = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .position(|i| i["requirement_id"] == RED)
        .unwrap()
        + 1;
    let item_path = format!("/submissions/{round}/items/{n}");
    let form = get(format!("{item_path}?show=red")).await;
    assert!(
        form.html.contains(&format!("What is your verdict on {RED}?")),
        "{}",
        form.html
    );
    assert!(form.html.contains("Decision on the explanation and mitigation"));
    assert!(form.html.contains("name=\"conditions[1].due\""));
    let refused = app
        .page(
            Some(&session),
            Method::POST,
            &item_path,
            &[
                ("verdict", "accepted"),
                ("decision", "agreed_with_conditions"),
                ("conditions[1].text", "Go live"),
                ("conditions[1].due", "2020-01-01"),
                ("show", "red"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.html.contains("nhsuk-error-summary"));
    assert!(
        refused.html.contains("Condition 1 cannot be due in the past"),
        "{}",
        refused.html
    );
    assert!(refused.html.contains("value=\"Go live\""), "what was typed is kept");

    // Everything else accepted through the API; the check page names the red item.
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round}/verdicts"),
            Some(&reviewer),
            Some(accept_all_but(&review, &[RED])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let check = get(format!("/submissions/{round}/decide")).await;
    assert!(check.html.contains("Check your review before deciding"));
    assert!(check.html.contains("What stops you accepting it"));
    assert!(check.html.contains(&format!("{item_path}\">{RED} (")), "{}", check.html);
    assert!(
        !check.html.contains(&format!("action=\"/submissions/{round}/accept\"")),
        "no accept button while something blocks"
    );

    // The question answered elsewhere and resolved, so nothing but verdicts decide.
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/threads/{thread}/resolve"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let saved = app
        .page(
            Some(&session),
            Method::POST,
            &item_path,
            &[
                ("verdict", "accepted"),
                ("comment", "Agreed"),
                ("decision", "agreed_with_conditions"),
                ("conditions[1].text", "Confirm the MESH mailbox is live"),
                ("conditions[1].due", "2027-02-28"),
                ("show", "all"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        saved.location(),
        Some(format!("/submissions/{round}/decide").as_str()),
        "all reviewed: on to the check page"
    );
    let check = app.follow(&session, &saved).await;
    assert!(check.html.contains("Your verdict has been saved"));
    assert!(check.html.contains("Confirm the MESH mailbox is live, due 2027-02-28"));
    assert!(check.html.contains(&format!("action=\"/submissions/{round}/accept\"")));
    let accepted = app
        .page(
            Some(&session),
            Method::POST,
            &format!("/submissions/{round}/accept"),
            &[],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    let page = app.follow(&session, &accepted).await;
    assert!(page.html.contains("The round has been accepted"));
    assert!(page.html.contains("Confirm the MESH mailbox is live"));

    // The supplier's SCAL says so.
    let supplier = app.sign_in(SUPPLIER, PASSWORD).await.unwrap();
    let overview = app
        .page(Some(&supplier), Method::GET, &format!("/scals/{scal}"), &[])
        .await;
    assert!(
        overview.html.contains("Accepted by NHS England (round 1)"),
        "{}",
        overview.html
    );
}

#[tokio::test]
async fn a_supplier_sees_what_a_returned_round_asks_and_can_withdraw_a_round() {
    use crate::support::PASSWORD;
    let app = TestApp::demo().await;
    let reviewer = app.token_for(REVIEWER).await;
    let (scal, round) = submitted_with_a_red_item(&app).await;
    let (_, review) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    let sheet = item(&review, RED)["sheet"].clone();
    let query = json!({"verdicts": [{"sheet": sheet, "requirement_id": RED, "verdict": "query",
        "comment": "When will the MESH mailbox be live?", "decision": "not_agreed"}]});
    app.api(
        Method::POST,
        &format!("/api/v1/submissions/{round}/verdicts"),
        Some(&reviewer),
        Some(query),
    )
    .await;
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round}/return"),
            Some(&reviewer),
            Some(json!({"reason": "See the query on the red item"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let supplier = app.sign_in(SUPPLIER, PASSWORD).await.unwrap();
    let page = app
        .page(Some(&supplier), Method::GET, &format!("/submissions/{round}"), &[])
        .await;
    assert!(page.html.contains("What NHS England asks about"), "{}", page.html);
    assert!(page.html.contains("When will the MESH mailbox be live?"));
    assert!(
        page.html.contains(&format!("/scals/{scal}/sheets/")),
        "a link to the item"
    );
    // The SCAL's page says what NHS England needs, linking to the item, whose page shows the
    // verdict.
    let overview = app
        .page(Some(&supplier), Method::GET, &format!("/scals/{scal}"), &[])
        .await;
    assert!(
        overview.html.contains("What NHS England needs from you"),
        "{}",
        overview.html
    );
    let href = overview
        .html
        .split("href=\"")
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .find(|h| h.ends_with(&format!("/requirements/{RED}")))
        .expect("a link to the queried item")
        .to_string();
    let item_page = app.page(Some(&supplier), Method::GET, &href, &[]).await;
    assert!(item_page.html.contains("verdict in round 1"), "{}", item_page.html);
    assert!(item_page.html.contains("When will the MESH mailbox be live?"));

    // Round 2, withdrawn from its confirmation page.
    let token = app.token_for(SUPPLIER).await;
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/submissions"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let round2 = body["id"].as_str().unwrap();
    let confirm = app
        .page(
            Some(&supplier),
            Method::GET,
            &format!("/submissions/{round2}/withdraw"),
            &[],
        )
        .await;
    assert!(confirm.html.contains("Are you sure you want to withdraw round 2?"));
    let withdrawn = app
        .page(
            Some(&supplier),
            Method::POST,
            &format!("/submissions/{round2}/withdraw"),
            &[],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    let overview = app.follow(&supplier, &withdrawn).await;
    assert!(overview.html.contains("The round has been withdrawn"));
    assert!(!overview.html.contains("With NHS England for review"));
}

/// NHS England asks the supplier about a request before issuing it, and declines another.
#[tokio::test]
async fn nhs_england_asks_about_an_enquiry_and_declines_another() {
    let app = TestApp::demo().await;
    let supplier = app.token_for(SUPPLIER).await;
    let reviewer = app.token_for(REVIEWER).await;
    let product = app.product_id("Acme PAS").await;
    let ask = |services: &'static [&'static str]| {
        let (app, supplier, product) = (&app, supplier.clone(), product.clone());
        async move {
            let (status, enquiry) = app
                .api(
                    Method::POST,
                    "/api/v1/enquiries",
                    Some(&supplier),
                    Some(json!({"product_id": product, "services": services, "details": "",
                        "use_cases": {"GPC-SEND-DOC": "Discharge summaries"}})),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{enquiry}");
            enquiry["id"].as_str().unwrap().to_string()
        }
    };
    let first = ask(&["GPC-SEND-DOC"]).await;
    let path = |what: &str| format!("/api/v1/enquiries/{first}/{what}");
    let (status, body) = app
        .api(
            Method::POST,
            &path("question"),
            Some(&reviewer),
            Some(json!({"question": "  "})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("question"))
    );
    let (status, body) = app
        .api(
            Method::POST,
            &path("answer"),
            Some(&supplier),
            Some(json!({"answer": "Early"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing asked yet: {body}");
    let (status, body) = app
        .api(
            Method::POST,
            &path("question"),
            Some(&reviewer),
            Some(json!({"question": "Which care settings will use it?"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "more_information");
    let (_, notes) = app
        .api(Method::GET, "/api/v1/notifications", Some(&supplier), None)
        .await;
    assert!(notes.as_array().unwrap().iter().any(|n| n["message"]
        .as_str()
        .unwrap()
        .contains("Which care settings will use it?")));
    let (status, _) = app.api(Method::POST, &path("issue"), Some(&reviewer), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "waiting for the supplier");
    let (status, body) = app
        .api(
            Method::POST,
            &path("answer"),
            Some(&supplier),
            Some(json!({"answer": "Acute wards"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["status"].as_str(), body["supplier_reply"].as_str()),
        (Some("open"), Some("Acute wards"))
    );
    let (status, body) = app.api(Method::POST, &path("issue"), Some(&reviewer), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let second = ask(&["GPC-SEND-DOC"]).await;
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/enquiries/{second}/decline"),
            Some(&reviewer),
            Some(json!({"reason": "Already issued under another request"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "declined");
    for (what, token, body) in [
        ("issue", &reviewer, None),
        ("decline", &reviewer, Some(json!({"reason": "Again"}))),
        ("question", &reviewer, Some(json!({"question": "Why?"}))),
    ] {
        let (status, _) = app
            .api(
                Method::POST,
                &format!("/api/v1/enquiries/{second}/{what}"),
                Some(token),
                body,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{what} a declined enquiry");
    }
    assert_eq!(audit_count(&app, "enquiry.declined").await, 1);
    assert_eq!(audit_count(&app, "enquiry.information_asked").await, 1);
    assert_eq!(audit_count(&app, "enquiry.answered").await, 1);
}

/// `scal review status`: the API's JSON, and a readable summary naming what blocks acceptance.
#[tokio::test]
async fn the_operator_reads_a_reviews_status_at_the_command_line() {
    let app = TestApp::demo().await;
    let reviewer = app.token_for(REVIEWER).await;
    let (_, round) = submitted_with_a_red_item(&app).await;
    let (_, review) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round}/verdicts"),
            Some(&reviewer),
            Some(accept_all_but(&review, &[RED])),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, api) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_scal"))
            .arg("--data-dir")
            .arg(app.db.data_dir())
            .args(["--database-url", &app.db.url, "review", "status"])
            .args(args)
            .env_remove("DATABASE_URL")
            .env("SCAL_LOG", "warn")
            .output()
            .unwrap()
    };
    let json = run(&["--submission", &round, "--json"]);
    assert!(json.status.success(), "{}", String::from_utf8_lossy(&json.stderr));
    let printed: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(printed["items"], api["items"]);
    assert_eq!(printed["blockers"], api["blockers"]);
    assert_eq!(printed["unreviewed"], 1);

    let text = run(&["--submission", &round]);
    assert!(text.status.success());
    let out = String::from_utf8_lossy(&text.stdout);
    let total = api["items"].as_array().unwrap().len();
    assert!(out.contains("Acme PAS"), "{out}");
    assert!(out.contains("With NHS England"), "{out}");
    assert!(
        out.contains(&format!(
            "{total} items: {} accepted, 0 queried, 0 not accepted, 1 not reviewed",
            total - 1
        )),
        "{out}"
    );
    assert!(out.contains(&format!("red {RED}")), "{out}");
    assert!(out.contains("what stops it being accepted:"), "{out}");
    assert!(out.contains("has no verdict yet"), "{out}");

    let unknown = run(&["--submission", "5b7e0a1c-0000-4000-8000-00000000dead"]);
    assert_eq!(unknown.status.code(), Some(1));
}

/// The round page lists the red and amber items as submitted, read from the round's snapshot:
/// the red item with its sheet, level, answer, explanation, mitigation and target date, and the
/// queue counts it.
#[tokio::test]
async fn the_round_page_lists_the_submitted_red_item_with_its_explanation() {
    let app = TestApp::demo().await;
    let (_, round) = submitted_with_a_red_item(&app).await;
    let session = app
        .sign_in("reviewer@nhse.example", crate::support::PASSWORD)
        .await
        .unwrap();
    let page = app
        .page(
            Some(&session),
            axum::http::Method::GET,
            &format!("/submissions/{round}"),
            &[],
        )
        .await;
    assert_eq!(page.status, axum::http::StatusCode::OK);
    let row = page
        .html
        .split("<tr class=\"nhsuk-table__row\">")
        .find(|row| row.contains(&format!("<code>{RED}</code>")))
        .unwrap_or_else(|| panic!("{RED} is listed: {}", page.html));
    for text in [
        "MUST",
        "MESH mailbox pending",
        "Documents sent by secure email meanwhile",
        "By 2027-03-31",
    ] {
        assert!(row.contains(text), "{text} in {row}");
    }
    let queue = app
        .page(Some(&session), axum::http::Method::GET, "/submissions", &[])
        .await;
    assert!(queue.html.contains("Acme PAS"), "{}", queue.html);
}
