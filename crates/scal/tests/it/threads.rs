//! NHS England's question threads (#11 point 3): a reviewer asks about an item, a step or the
//! SCAL; the supplier answers while the round is with NHS England without changing any answer;
//! only NHS England resolves; each message tells the other side; messages carry their round
//! across a return and a resubmission; internal notes never reach the supplier.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{TestApp, PASSWORD};

async fn count(app: &TestApp, table: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(app.app().store.pool())
        .await
        .unwrap()
        .try_get::<i64, _>("n")
        .unwrap()
}

async fn audit_kinds(app: &TestApp, kind: &str) -> Vec<scal_store::StoredAudit> {
    let filter = scal_store::records::audit::AuditFilter {
        kind: Some(kind.into()),
        limit: 100,
        ..Default::default()
    };
    scal_store::records::audit::list(app.app().store.pool(), &filter)
        .await
        .unwrap()
}

/// What can be stored about threads and notes, and the audit head: unchanged by refused input.
async fn stored(app: &TestApp) -> (i64, i64, i64, i64, i64) {
    let (head, _) = scal_store::records::audit::head(app.app().store.pool()).await.unwrap();
    (
        count(app, "review_threads").await,
        count(app, "review_messages").await,
        count(app, "review_notes").await,
        count(app, "notifications").await,
        head,
    )
}

/// The service sheet's name, its first requirement's ID, and the service's code.
fn service_item(scal: &Value) -> (String, String, String) {
    let sheet = scal["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"].is_string())
        .unwrap();
    (
        sheet["name"].as_str().unwrap().to_string(),
        sheet["requirements"][0]["requirement_id"].as_str().unwrap().to_string(),
        sheet["service"].as_str().unwrap().to_string(),
    )
}

fn links(notifications: &Value) -> Vec<String> {
    notifications
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["link"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_reviewer_asks_and_the_supplier_answers_across_rounds_without_changing_the_scal() {
    let app = TestApp::demo().await;
    let scal = crate::onboarding_pages::submitted_scal(&app).await;
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let admin = app.token_for("admin@acme.example").await;
    let dev = app.token_for("dev@acme.example").await;
    let bright = app.token_for("admin@brightwater.example").await;
    let (_, before) = app
        .api(Method::GET, &format!("/api/v1/scals/{scal}"), Some(&admin), None)
        .await;
    let (sheet, requirement, service) = service_item(&before);
    let round_one = before["rounds"][0]["id"].as_str().unwrap().to_string();
    // A second reviewer at NHS England, who has not taken the round.
    let nhse = scal_store::records::users::get_by_email(app.app().store.pool(), "reviewer@nhse.example")
        .await
        .unwrap()
        .unwrap()
        .org_id;
    let second = scal_app::users::create(
        app.app(),
        &scal_app::Actor::System,
        &nhse,
        &scal_app::users::NewUserInput {
            email: "second.reviewer@nhse.example".into(),
            name: "Second Reviewer".into(),
            role: "nhse_reviewer".into(),
            password: None,
        },
        app.now(),
    )
    .await
    .unwrap()
    .user
    .id;
    // The reviewer takes the round, so the supplier's answers go to them.
    let (taken, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round_one}/reviewer"),
            Some(&reviewer),
            Some(json!({"reviewer_id": app.user_id("reviewer@nhse.example").await})),
        )
        .await;
    assert_eq!(taken, StatusCode::OK);

    // Threads on an item, a step and the SCAL as a whole.
    let threads = format!("/api/v1/scals/{scal}/threads");
    let (status, item) = app
        .api(
            Method::POST,
            &threads,
            Some(&reviewer),
            Some(
                json!({"subject": "item", "sheet": sheet, "requirement_id": requirement.to_lowercase(),
                "body": "  How is this met?\nPlease attach evidence.  "}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    assert_eq!(item["state"], "open");
    assert_eq!(item["subject"]["kind"], "item");
    assert_eq!(
        item["subject"]["requirement_id"],
        requirement.as_str(),
        "stored as the SCAL spells it"
    );
    assert_eq!(
        item["subject"]["label"],
        format!("Requirement {requirement} on sheet {sheet}")
    );
    assert!(item["subject"]["sheet_id"].is_string());
    assert_eq!(item["messages"][0]["body"], "How is this met?\nPlease attach evidence.");
    assert_eq!(item["messages"][0]["side"], "nhs_england");
    assert_eq!(item["messages"][0]["round"], 1);
    app.clock.advance(time::Duration::minutes(1));
    let reviewer_name = scal_store::records::users::get_by_email(app.app().store.pool(), "reviewer@nhse.example")
        .await
        .unwrap()
        .unwrap()
        .name;
    assert_eq!(item["messages"][0]["author"], reviewer_name.as_str());
    let (status, step) = app
        .api(
            Method::POST,
            &threads,
            Some(&reviewer),
            Some(json!({"subject": "step", "service": service, "step": 5, "body": "Is the DSPT published?"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{step}");
    app.clock.advance(time::Duration::minutes(1));
    assert_eq!(
        step["subject"]["label"],
        format!("Step 5 (Complete the DSPT) for service {service}")
    );
    let (status, whole) = app
        .api(
            Method::POST,
            &threads,
            Some(&reviewer),
            Some(json!({"subject": "scal", "body": "Who is your clinical safety officer?"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{whole}");
    assert_eq!(whole["subject"]["label"], "The SCAL as a whole");
    let item_id = item["id"].as_str().unwrap().to_string();
    let step_id = step["id"].as_str().unwrap().to_string();
    let whole_id = whole["id"].as_str().unwrap().to_string();

    // The supplier is told, in the app and by email, and sees every thread.
    let (_, told) = app.api(Method::GET, "/api/v1/notifications", Some(&dev), None).await;
    for id in [&item_id, &step_id, &whole_id] {
        assert!(links(&told).contains(&format!("/threads/{id}")), "{told}");
    }
    let outbox = scal_app::notifications::outbox(app.app(), false).await.unwrap();
    assert!(
        outbox.iter().any(|m| m.to_address == "dev@acme.example"
            && m.subject.contains("NHS England has a question about")
            && m.body.contains(&format!("/threads/{item_id}"))),
        "{outbox:?}"
    );
    let (status, listed) = app.api(Method::GET, &threads, Some(&dev), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 3);

    // The supplier answers while the round is with NHS England; no answer changes.
    let reply = format!("/api/v1/threads/{item_id}/messages");
    let (status, answered) = app
        .api(
            Method::POST,
            &reply,
            Some(&dev),
            Some(json!({"body": "It is met by our audit trail."})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answered}");
    assert_eq!(answered["state"], "answered");
    assert_eq!(answered["messages"][1]["side"], "supplier");
    assert_eq!(answered["messages"][1]["round"], 1);
    let (_, after) = app
        .api(Method::GET, &format!("/api/v1/scals/{scal}"), Some(&admin), None)
        .await;
    assert_eq!(after["sheets"], before["sheets"], "answering changes no answer");
    assert_eq!(after["rounds"], before["rounds"]);
    assert_eq!(after["locked"], true);
    // The round's reviewer is told.
    let (_, reviewer_told) = app
        .api(Method::GET, "/api/v1/notifications", Some(&reviewer), None)
        .await;
    assert!(
        links(&reviewer_told).contains(&format!("/threads/{item_id}")),
        "{reviewer_told}"
    );
    assert!(outbox_has(&app, "reviewer@nhse.example", "The supplier answered about").await);
    assert!(
        !told_user(&app, &second).await.contains(&format!("/threads/{item_id}")),
        "only the round's reviewer is told"
    );

    // Only NHS England resolves; another supplier's users cannot even see it.
    let resolve = format!("/api/v1/threads/{item_id}/resolve");
    assert_eq!(
        app.api(Method::POST, &resolve, Some(&dev), None).await.0,
        StatusCode::FORBIDDEN
    );
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/threads/{item_id}"), None),
        (Method::POST, reply.clone(), Some(json!({"body": "Ours"}))),
        (Method::POST, resolve.clone(), None),
        (Method::GET, threads.clone(), None),
        (
            Method::POST,
            threads.clone(),
            Some(json!({"subject": "scal", "body": "x"})),
        ),
    ] {
        assert_eq!(
            app.api(method.clone(), &path, Some(&bright), body).await.0,
            StatusCode::NOT_FOUND,
            "{method} {path}"
        );
    }
    // A supplier cannot open a thread on its own SCAL: that is NHS England's to do.
    assert_eq!(
        app.api(
            Method::POST,
            &threads,
            Some(&dev),
            Some(json!({"subject": "scal", "body": "A question"}))
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (status, resolved) = app.api(Method::POST, &resolve, Some(&reviewer), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resolved["state"], "resolved");
    assert!(resolved["resolved_at"].is_string());
    assert_eq!(
        app.api(Method::POST, &resolve, Some(&reviewer), None).await.0,
        StatusCode::CONFLICT
    );
    let (status, refused) = app
        .api(
            Method::POST,
            &reply,
            Some(&dev),
            Some(json!({"body": "One more thing"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let open: Vec<String> = scal_app::threads::unresolved(app.app(), &scal)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.thread_id)
        .collect();
    assert_eq!(open, [step_id.clone(), whole_id.clone()], "the acceptance gate's list");

    // Returned, answered, resubmitted: each message says which round it belongs to.
    let (returned, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/submissions/{round_one}/return"),
            Some(&reviewer),
            Some(json!({"reason": "Answer the questions"})),
        )
        .await;
    assert_eq!(returned, StatusCode::OK);
    let step_reply = format!("/api/v1/threads/{step_id}/messages");
    let (status, _) = app
        .api(
            Method::POST,
            &step_reply,
            Some(&dev),
            Some(json!({"body": "Published in June."})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let user = scal_store::records::users::get_by_email(app.app().store.pool(), "admin@acme.example")
        .await
        .unwrap()
        .unwrap();
    scal_app::submissions::submit(app.app(), &scal_app::auth::actor_for(&user), &scal, app.now())
        .await
        .unwrap();
    let (status, step) = app
        .api(
            Method::POST,
            &step_reply,
            Some(&reviewer),
            Some(json!({"body": "Thank you."})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let rounds: Vec<i64> = step["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["round"].as_i64().unwrap())
        .collect();
    assert_eq!(rounds, [1, 1, 2]);
    assert_eq!(step["state"], "open", "NHS England wrote last");
    // Round 2 has no reviewer yet: the supplier's answer goes to the service's reviewers.
    let (status, _) = app
        .api(
            Method::POST,
            &step_reply,
            Some(&admin),
            Some(json!({"body": "Attached."})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(told_user(&app, &second).await.contains(&format!("/threads/{step_id}")));

    // Every message is audited, in the organisation's name.
    let acme = app.org_id("8JK21").await;
    let opened = audit_kinds(&app, "thread.opened").await;
    assert_eq!(opened.len(), 3);
    assert!(opened.iter().all(|e| e.org_id.as_deref() == Some(acme.as_str())));
    assert_eq!(audit_kinds(&app, "thread.replied").await.len(), 4);
    let resolved = audit_kinds(&app, "thread.resolved").await;
    assert_eq!(resolved.len(), 1);
    assert_eq!(resolved[0].entity_id, item_id);
}

/// The links of a user's notifications.
async fn told_user(app: &TestApp, user_id: &str) -> Vec<String> {
    scal_store::records::notifications::for_user(app.app().store.pool(), user_id)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.link)
        .collect()
}

async fn outbox_has(app: &TestApp, to: &str, subject: &str) -> bool {
    scal_app::notifications::outbox(app.app(), false)
        .await
        .unwrap()
        .iter()
        .any(|m| m.to_address == to && m.subject.contains(subject))
}

#[tokio::test]
async fn bad_threads_and_messages_are_refused_with_field_errors_and_nothing_stored() {
    let app = TestApp::demo().await;
    let scal = crate::onboarding_pages::submitted_scal(&app).await;
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let dev = app.token_for("dev@acme.example").await;
    let threads = format!("/api/v1/scals/{scal}/threads");
    let (_, thread) = app
        .api(
            Method::POST,
            &threads,
            Some(&reviewer),
            Some(json!({"subject": "scal", "body": "Question"})),
        )
        .await;
    let reply = format!("/api/v1/threads/{}/messages", thread["id"].as_str().unwrap());
    // A token's first use from an address is audited: use the supplier's before counting.
    app.api(Method::GET, &threads, Some(&dev), None).await;
    let before = stored(&app).await;
    let fields = |body: &Value| -> Vec<String> {
        body["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_string())
            .collect()
    };
    for (body, expected) in [
        (json!({"body": "x"}), vec!["subject"]),
        (json!({"subject": "thing", "body": "x"}), vec!["subject"]),
        (
            json!({"subject": "item", "sheet": "No such sheet", "requirement_id": "GPCM-C-1", "body": " "}),
            vec!["sheet", "body"],
        ),
        (
            json!({"subject": "item", "sheet": "", "requirement_id": "", "body": "x"}),
            vec!["sheet", "requirement_id"],
        ),
        (
            json!({"subject": "step", "service": "GPC-SEND-DOC", "step": 11, "body": "x"}),
            vec!["step"],
        ),
        (
            json!({"subject": "step", "service": "PDS-FHIR", "step": 3, "body": "x"}),
            vec!["service"],
        ),
        (json!({"subject": "scal", "body": "a\u{0}b"}), vec!["body"]),
        (json!({"subject": "scal", "body": "x".repeat(10_001)}), vec!["body"]),
    ] {
        let (status, error) = app
            .api(Method::POST, &threads, Some(&reviewer), Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(fields(&error), expected, "{body}: {error}");
    }
    let (_, scal_json) = app
        .api(Method::GET, &format!("/api/v1/scals/{scal}"), Some(&reviewer), None)
        .await;
    let (sheet, _, _) = service_item(&scal_json);
    let (status, error) = app
        .api(
            Method::POST,
            &threads,
            Some(&reviewer),
            Some(json!({"sheet": sheet, "requirement_id": "NOPE-1", "body": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&error), ["requirement_id"]);
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("has no requirement NOPE-1"));
    for body in ["", "  \n ", &"y".repeat(10_001)] {
        let (status, error) = app
            .api(Method::POST, &reply, Some(&dev), Some(json!({ "body": body })))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&error), ["body"]);
    }
    let (status, error) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/notes"),
            Some(&reviewer),
            Some(json!({"body": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&error), ["body"]);
    assert_eq!(
        stored(&app).await,
        before,
        "nothing stored, nobody told, nothing audited"
    );
}

#[tokio::test]
async fn internal_notes_are_for_nhs_england_only() {
    let app = TestApp::demo().await;
    let scal = crate::onboarding_pages::submitted_scal(&app).await;
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let notes = format!("/api/v1/scals/{scal}/notes");
    let secret = "Supplier seemed unsure about the hazard log";
    let (status, note) = app
        .api(Method::POST, &notes, Some(&reviewer), Some(json!({ "body": secret })))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    assert_eq!(note["subject"]["kind"], "scal");
    assert_eq!(note["round"], 1);
    let (status, on_step) = app
        .api(
            Method::POST,
            &notes,
            Some(&reviewer),
            Some(json!({"service": "GPC-SEND-DOC", "step": 6, "body": "Check the DCB0129 registration"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{on_step}");
    assert_eq!(on_step["subject"]["kind"], "step");
    let (status, listed) = app.api(Method::GET, &notes, Some(&reviewer), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let (_, thread) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/threads"),
            Some(&reviewer),
            Some(json!({"subject": "scal", "body": "A question the supplier sees"})),
        )
        .await;
    let thread = thread["id"].as_str().unwrap().to_string();
    let added = audit_kinds(&app, "review.note_added").await;
    assert_eq!(added.len(), 2);
    assert_eq!(added[1].entity_id, note["id"].as_str().unwrap());

    // To the supplier (and anyone else outside NHS England) the notes do not exist.
    for email in [
        "admin@acme.example",
        "dev@acme.example",
        "admin@brightwater.example",
        "practice@riverside.example",
    ] {
        let token = app.token_for(email).await;
        for (method, body) in [(Method::GET, None), (Method::POST, Some(json!({"body": "mine"})))] {
            let (status, _) = app.api(method.clone(), &notes, Some(&token), body).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{email} {method}");
        }
    }
    let supplier = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let view = scal_app::scals::view_scal(app.app(), &scal_app::Actor::System, &scal)
        .await
        .unwrap();
    let sheet = view.sheets.iter().find(|s| s.service_code.is_some()).unwrap();
    for path in [
        format!("/scals/{scal}"),
        format!("/scals/{scal}/threads"),
        format!("/threads/{thread}"),
        format!("/scals/{scal}/sheets/{}", sheet.id),
        format!(
            "/scals/{scal}/sheets/{}/requirements/{}",
            sheet.id, sheet.requirements[0].requirement.id
        ),
        "/notifications".into(),
    ] {
        let page = app.page(Some(&supplier), Method::GET, &path, &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.html.contains(secret), "{path} shows an internal note");
        assert!(!page.html.contains("Internal notes"), "{path}");
    }
    let supplier_token = app.token_for("admin@acme.example").await;
    for path in [
        format!("/api/v1/scals/{scal}"),
        format!("/api/v1/scals/{scal}/threads"),
        format!("/api/v1/threads/{thread}"),
        "/api/v1/notifications".into(),
    ] {
        let (_, body) = app.api(Method::GET, &path, Some(&supplier_token), None).await;
        assert!(!body.to_string().contains(secret), "{path}");
    }
    let outbox = scal_app::notifications::outbox(app.app(), false).await.unwrap();
    assert!(
        outbox.iter().all(|m| !m.body.contains(secret)),
        "nobody is emailed a note"
    );
    // NHS England sees them on the threads page, with a form for another.
    let nhse = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    let page = app
        .page(Some(&nhse), Method::GET, &format!("/scals/{scal}/threads"), &[])
        .await;
    assert!(page.html.contains(secret));
    assert!(page.html.contains("Internal notes"));
    assert!(page.html.contains(&format!("action=\"/scals/{scal}/notes\"")));
}

#[tokio::test]
async fn threads_through_the_pages() {
    let app = TestApp::demo().await;
    let scal = crate::onboarding_pages::submitted_scal(&app).await;
    let reviewer = app.sign_in("reviewer@nhse.example", PASSWORD).await.unwrap();
    let supplier = app.sign_in("dev@acme.example", PASSWORD).await.unwrap();
    let view = scal_app::scals::view_scal(app.app(), &scal_app::Actor::System, &scal)
        .await
        .unwrap();
    let sheet = view.sheets.iter().find(|s| s.service_code.is_some()).unwrap();
    let requirement = sheet.requirements[0].requirement.id.clone();
    let requirement_page = format!("/scals/{scal}/sheets/{}/requirements/{requirement}", sheet.id);

    // The reviewer starts from the requirement's page.
    let page = app.page(Some(&reviewer), Method::GET, &requirement_page, &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    let ask = format!(
        "/scals/{scal}/threads/new?sheet={}&amp;requirement={requirement}",
        urlencoding::encode(&sheet.name)
    );
    assert!(page.html.contains(&ask), "{}", page.html);
    let new = format!(
        "/scals/{scal}/threads/new?sheet={}&requirement={requirement}",
        urlencoding::encode(&sheet.name)
    );
    let form = app.page(Some(&reviewer), Method::GET, &new, &[]).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.html.contains(&format!(
            "<h1 class=\"nhsuk-heading-l\">What do you want to ask about {requirement}?</h1>"
        )),
        "{}",
        form.html
    );
    // A supplier may not ask; a requirement the SCAL does not have has no question page.
    assert_eq!(
        app.page(Some(&supplier), Method::GET, &new, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let unknown = format!(
        "/scals/{scal}/threads/new?sheet={}&requirement=NOPE-1",
        urlencoding::encode(&sheet.name)
    );
    assert_eq!(
        app.page(Some(&reviewer), Method::GET, &unknown, &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let fields = [("sheet", sheet.name.as_str()), ("requirement", requirement.as_str())];
    let empty = app
        .page(
            Some(&reviewer),
            Method::POST,
            &format!("/scals/{scal}/threads"),
            &[fields[0], fields[1], ("body", "  ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.html.contains("There is a problem"));
    assert!(empty.html.contains("href=\"#body\""));
    assert!(empty.html.contains("Enter your message"));
    assert_eq!(count(&app, "review_threads").await, 0);
    let sent = app
        .page(
            Some(&reviewer),
            Method::POST,
            &format!("/scals/{scal}/threads"),
            &[fields[0], fields[1], ("body", "Where is this tested?")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    let thread = sent.location().unwrap().to_string();
    assert!(thread.starts_with("/threads/"));
    let landed = app.follow(&reviewer, &sent).await;
    assert!(landed.html.contains("Your question has been sent to the supplier"));
    assert!(landed.html.contains("Mark as resolved"));
    assert!(landed.html.contains("Where is this tested?"));
    assert!(landed.html.contains("(NHS England) on "));
    assert!(landed.html.contains("round 1"));

    // The supplier sees it on the requirement's page and on the SCAL's list, and answers.
    let theirs = app.page(Some(&supplier), Method::GET, &requirement_page, &[]).await;
    assert!(theirs.html.contains("Questions from NHS England"));
    assert!(theirs.html.contains(&format!("href=\"{thread}\"")));
    assert!(theirs.html.contains(">Open</strong>"), "{}", theirs.html);
    assert!(!theirs.html.contains("Ask the supplier"));
    let list = app
        .page(Some(&supplier), Method::GET, &format!("/scals/{scal}/threads"), &[])
        .await;
    assert!(list.html.contains(&format!("Requirement {requirement} on sheet")));
    assert!(list.html.contains("1 thread, 1 not resolved"));
    assert!(!list.html.contains("Start a thread"));
    let shown = app.page(Some(&supplier), Method::GET, &thread, &[]).await;
    assert!(shown.html.contains("Your reply"));
    assert!(!shown.html.contains("Mark as resolved"));
    let bad = app
        .page(
            Some(&supplier),
            Method::POST,
            &format!("{thread}/messages"),
            &[("body", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("href=\"#body\""));
    let replied = app
        .page(
            Some(&supplier),
            Method::POST,
            &format!("{thread}/messages"),
            &[("body", "In our system tests, attached.")],
        )
        .await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER);
    let landed = app.follow(&supplier, &replied).await;
    assert!(landed.html.contains("Your reply has been sent"));
    assert!(landed.html.contains(">Answered</strong>"));
    assert!(landed.html.contains("(Supplier) on "));
    assert_eq!(
        app.page(Some(&supplier), Method::POST, &format!("{thread}/resolve"), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The reviewer resolves it; it then takes no more messages.
    let resolved = app
        .page(Some(&reviewer), Method::POST, &format!("{thread}/resolve"), &[])
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER);
    let landed = app.follow(&reviewer, &resolved).await;
    assert!(landed.html.contains("The thread has been resolved"));
    assert!(landed.html.contains(">Resolved</strong>"));
    assert!(!landed.html.contains("Your reply"));
    let late = app
        .page(
            Some(&supplier),
            Method::POST,
            &format!("{thread}/messages"),
            &[("body", "P.S.")],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);

    // Threads on a step and on the whole SCAL start from the list page.
    let list = app
        .page(Some(&reviewer), Method::GET, &format!("/scals/{scal}/threads"), &[])
        .await;
    assert!(list.html.contains("Start a thread"));
    let step = app
        .page(
            Some(&reviewer),
            Method::GET,
            &format!("/scals/{scal}/threads/new?service=GPC-SEND-DOC&step=5"),
            &[],
        )
        .await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(step
        .html
        .contains("What do you want to ask about step 5 for GPC-SEND-DOC?"));
    let whole = app
        .page(Some(&reviewer), Method::GET, &format!("/scals/{scal}/threads/new"), &[])
        .await;
    assert!(whole
        .html
        .contains("What do you want to ask about the SCAL as a whole?"));
    let sent = app
        .page(
            Some(&reviewer),
            Method::POST,
            &format!("/scals/{scal}/threads"),
            &[
                ("service", "GPC-SEND-DOC"),
                ("step", "5"),
                ("body", "Is the DSPT published?"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let landed = app.follow(&reviewer, &sent).await;
    assert!(landed
        .html
        .contains("Step 5 (Complete the DSPT) for service GPC-SEND-DOC"));

    // An internal note from the list page.
    let noted = app
        .page(
            Some(&reviewer),
            Method::POST,
            &format!("/scals/{scal}/notes"),
            &[("body", "Chase the DSPT")],
        )
        .await;
    assert_eq!(noted.status, StatusCode::SEE_OTHER);
    let landed = app.follow(&reviewer, &noted).await;
    assert!(landed.html.contains("The internal note has been saved"));
    assert!(landed.html.contains("Chase the DSPT"));
    let empty_note = app
        .page(
            Some(&reviewer),
            Method::POST,
            &format!("/scals/{scal}/notes"),
            &[("body", "")],
        )
        .await;
    assert_eq!(empty_note.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty_note.html.contains("href=\"#body\""));
}
