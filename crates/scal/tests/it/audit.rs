use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::TestApp;

async fn entries(app: &TestApp, token: &str, query: &str) -> Vec<serde_json::Value> {
    let (status, body) = app
        .api(Method::GET, &format!("/api/v1/audit{query}"), Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array().unwrap().clone()
}

#[tokio::test]
async fn every_change_records_who_what_when_before_and_after() {
    let app = TestApp::demo().await;
    let supplier = app.token_for("dev@acme.example").await;
    let admin = app.token_for("admin@nhse.example").await;
    let (_, product) = app
        .api(
            Method::POST,
            "/api/v1/products",
            Some(&supplier),
            Some(json!({"name": "Audited", "version": "1"})),
        )
        .await;
    let id = product["id"].as_str().unwrap();
    app.clock.advance(time::Duration::minutes(5));
    app.api(
        Method::PATCH,
        &format!("/api/v1/products/{id}"),
        Some(&supplier),
        Some(json!({"version": "2"})),
    )
    .await;

    let log = entries(&app, &admin, "?kind=product.updated").await;
    let entry = log.iter().find(|e| e["entity_id"] == id).expect("update audited");
    assert_eq!(entry["actor"], "dev@acme.example");
    assert_eq!(entry["before"]["version"], "1");
    assert_eq!(entry["after"]["version"], "2");
    assert_eq!(entry["organisation_id"], product["organisation_id"]);
    assert_eq!(entry["at"], "2026-11-24T09:05:00Z");

    let created = entries(&app, &admin, "?kind=product.created").await;
    assert!(created
        .iter()
        .any(|e| e["entity_id"] == id && e["before"].is_null() && e["after"]["name"] == "Audited"));
    let tokens = entries(&app, &admin, "?kind=token.created").await;
    assert!(
        tokens.iter().all(|e| !e["after"].to_string().contains("hash")),
        "no secrets in the log"
    );
}

#[tokio::test]
async fn refused_changes_leave_no_entry_and_a_failed_audit_write_undoes_the_change() {
    let app = TestApp::demo().await;
    let supplier = app.token_for("dev@acme.example").await;
    // The token's first use from this address is itself audited (a security event): use it once
    // before counting.
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some(&supplier), None).await.0,
        StatusCode::OK
    );
    let (seq_before, _) = scal_store::records::audit::head(app.app().store.pool()).await.unwrap();
    let (status, _) = app
        .api(
            Method::POST,
            "/api/v1/products",
            Some(&supplier),
            Some(json!({"name": "", "version": "1"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (seq_after, _) = scal_store::records::audit::head(app.app().store.pool()).await.unwrap();
    assert_eq!(seq_before, seq_after, "a refused change writes no audit entry");

    // Break the audit log: the product insert in the same transaction must roll back with it.
    sqlx::query("DELETE FROM audit_head")
        .execute(app.app().store.pool())
        .await
        .unwrap();
    let (status, body) = app
        .api(
            Method::POST,
            "/api/v1/products",
            Some(&supplier),
            Some(json!({"name": "Orphan", "version": "1"})),
        )
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["error"]["code"], "internal");
    let products = scal_store::records::products::list(app.app().store.pool(), None)
        .await
        .unwrap();
    assert!(
        products.iter().all(|p| p.details.name != "Orphan"),
        "no change without its audit entry"
    );
}

#[tokio::test]
async fn admins_filter_the_log_by_organisation_user_kind_and_date() {
    let app = TestApp::demo().await;
    let admin = app.token_for("admin@nhse.example").await;
    let acme = app.org_id("8JK21").await;
    let dev = app.user_id("dev@acme.example").await;
    let supplier = app.token_for("dev@acme.example").await;
    app.clock.advance(time::Duration::days(2));
    app.api(
        Method::POST,
        "/api/v1/products",
        Some(&supplier),
        Some(json!({"name": "Later", "version": "1"})),
    )
    .await;

    let by_org = entries(&app, &admin, &format!("?organisation_id={acme}")).await;
    assert!(!by_org.is_empty() && by_org.iter().all(|e| e["organisation_id"] == acme.as_str()));
    // Besides the changes, the token's first use from the test's address is a security event.
    let changes = |list: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        list.into_iter()
            .filter(|e| e["kind"] != "token.used_from_new_address")
            .collect()
    };
    let by_user = entries(&app, &admin, &format!("?user_id={dev}")).await;
    assert_eq!(by_user.len(), 3, "{by_user:?}");
    let by_user = changes(by_user);
    assert_eq!(by_user.len(), 2, "Acme Referrals at seeding and Later: {by_user:?}");
    let by_day = changes(entries(&app, &admin, "?from=2026-11-26&to=2026-11-26").await);
    assert_eq!(by_day.len(), 1);
    assert_eq!(by_day[0]["after"]["name"], "Later");
    let none = entries(&app, &admin, "?to=2026-11-23").await;
    assert!(none.is_empty());
    let seqs: Vec<i64> = entries(&app, &admin, "?limit=3")
        .await
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert!(
        seqs.len() == 3 && seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seqs:?}"
    );
    let older = entries(&app, &admin, &format!("?before_seq={}&limit=500", seqs[2])).await;
    assert_eq!(
        older[0]["seq"].as_i64().unwrap(),
        seqs[2] - 1,
        "paging continues where it stopped"
    );

    let (status, body) = app
        .api(Method::GET, "/api/v1/audit?from=2026-02-30", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["field"], "from");
}

#[tokio::test]
async fn the_chain_verifies_and_names_the_first_edited_or_removed_entry() {
    let app = TestApp::demo().await;
    let verify = || async { scal_app::audit::verify(app.app()).await.unwrap() };
    let count = verify().await.expect("intact after seeding");
    assert!(count >= 15, "{count}");

    sqlx::query("UPDATE audit_log SET after_json = '{\"name\":\"forged\"}' WHERE seq = 7")
        .execute(app.app().store.pool())
        .await
        .unwrap();
    let broken = verify().await.expect_err("edit detected");
    assert_eq!(broken.seq, 7);
    assert!(broken.to_string().contains("audit entry 7"), "{broken}");
}

#[tokio::test]
async fn removing_the_newest_entry_is_detected() {
    let app = TestApp::demo().await;
    let (last, _) = scal_store::records::audit::head(app.app().store.pool()).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = $1")
        .bind(last)
        .execute(app.app().store.pool())
        .await
        .unwrap();
    let broken = scal_app::audit::verify(app.app())
        .await
        .unwrap()
        .expect_err("truncation detected");
    assert_eq!(broken.seq, last);
}
