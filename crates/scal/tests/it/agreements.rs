//! The connection agreement and go-live through the API and `scal verify --agreement`: a
//! certified SCAL's agreement prepared by NHS England, accepted and sealed by its named signatory
//! only, go-live approved once through the gate, then a missed condition suspending the
//! certificate and blocking go-live, then revocation ending the case's live status.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

use crate::certificates::{accepted_with_a_condition, pass_every_test, verify_offline};
use crate::support::{audit_count, TestApp};

const SIGNATORY: &str = "admin@acme.example";
const MEMBER: &str = "dev@acme.example";
const REVIEWER: &str = "reviewer@nhse.example";
const NHSE_ADMIN: &str = "admin@nhse.example";
const OTHER_SUPPLIER: &str = "admin@brightwater.example";

/// Runs `scal verify --agreement FILE --json` on a seal document.
fn verify_seal(app: &TestApp, doc: &Value) -> (bool, Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seal.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scal"))
        .arg("--data-dir")
        .arg(app.db.data_dir())
        .arg("verify")
        .arg("--agreement")
        .arg(&file)
        .arg("--json")
        .env_remove("DATABASE_URL")
        .env("SCAL_LOG", "warn")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.success(), report)
}

/// The messages of a user's notifications of `kind`.
async fn told(app: &TestApp, token: &str, kind: &str) -> Vec<String> {
    let (_, list) = app.api(Method::GET, "/api/v1/notifications", Some(token), None).await;
    list.as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .map(|n| n["message"].as_str().unwrap().to_string())
        .collect()
}

/// Accepts as the signatory, from a browser with a user agent.
pub(crate) async fn accept(app: &TestApp, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!("/api/v1/agreements/{id}/accept"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "Mozilla/5.0 (agreement test)")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, _, bytes) = app.send(request).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_certified_scal_is_signed_goes_live_is_suspended_by_a_missed_condition_and_revoked() {
    let app = TestApp::demo().await;
    app.app().keys.generate(app.now()).unwrap();
    let supplier = app.token_for(SIGNATORY).await;
    let member = app.token_for(MEMBER).await;
    let reviewer = app.token_for(REVIEWER).await;
    let nhse_admin = app.token_for(NHSE_ADMIN).await;
    let other = app.token_for(OTHER_SUPPLIER).await;
    let due = (app.now() + time::Duration::days(30)).date().to_string();
    let (scal, _) = accepted_with_a_condition(&app, &due).await;
    pass_every_test(&app, &scal).await;

    // The certificate, checked offline.
    let (status, cert) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/certificates"),
            Some(&reviewer),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cert}");
    let (_, jwks) = app.api(Method::GET, "/.well-known/jwks.json", None, None).await;
    assert!(verify_offline(&app, cert["jws"].as_str().unwrap(), &jwks)
        .status
        .success());

    // Only NHS England's administrators publish versions.
    let version = json!({"title": "Connection agreement 2026", "text": "1. Connect only as the SCAL says.", "effective_date": app.now().date().to_string()});
    for token in [&supplier, &reviewer] {
        let (status, _) = app
            .api(
                Method::POST,
                "/api/v1/agreement-versions",
                Some(token),
                Some(version.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, v1) = app
        .api(
            Method::POST,
            "/api/v1/agreement-versions",
            Some(&nhse_admin),
            Some(version.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v1}");
    assert_eq!(v1["sha256"].as_str().unwrap().len(), 64);
    let (status, body) = app
        .api(
            Method::POST,
            "/api/v1/agreement-versions",
            Some(&nhse_admin),
            Some(version),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("text")),
        "the same text twice"
    );

    // Go-live is blocked, naming the missing agreement.
    let go_live = format!("/api/v1/scals/{scal}/go-live");
    let (status, body) = app
        .api(
            Method::POST,
            &go_live,
            Some(&reviewer),
            Some(json!({"service": "GPC-SEND-DOC"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "blocked");
    assert!(
        body["error"]["blockers"]
            .to_string()
            .contains("No connection agreement"),
        "{body}"
    );

    // Only NHS England prepares; the signatory must be the supplier's administrator.
    let prepare = format!("/api/v1/scals/{scal}/agreements");
    let input = json!({"version_id": v1["id"], "signatory": SIGNATORY});
    let (status, _) = app
        .api(Method::POST, &prepare, Some(&supplier), Some(input.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.api(Method::POST, &prepare, Some(&other), Some(input.clone())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app
        .api(
            Method::POST,
            &prepare,
            Some(&reviewer),
            Some(json!({"version_id": v1["id"], "signatory": MEMBER})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("signatory"))
    );
    let (status, agreement) = app
        .api(Method::POST, &prepare, Some(&nhse_admin), Some(input.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{agreement}");
    assert_eq!(agreement["reference"], "CNTR0000001");
    assert_eq!(agreement["state"], "prepared");
    let (status, body) = app.api(Method::POST, &prepare, Some(&nhse_admin), Some(input)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("already waiting"));
    let id = agreement["id"].as_str().unwrap();
    let named = told(&app, &supplier, "agreement").await;
    assert!(
        named
            .iter()
            .any(|m| m.contains("CNTR0000001") && m.contains("named you")),
        "{named:?}"
    );
    assert!(
        told(&app, &member, "agreement").await.is_empty(),
        "only the signatory is asked"
    );

    // Only the named signatory accepts; a name and job title are needed.
    let signed = json!({"full_name": "Ada Lovelace", "job_title": "Managing Director"});
    for (token, want) in [
        (&member, StatusCode::FORBIDDEN),
        (&reviewer, StatusCode::FORBIDDEN),
        (&other, StatusCode::NOT_FOUND),
    ] {
        let (status, _) = accept(&app, token, id, signed.clone()).await;
        assert_eq!(status, want);
    }
    let (status, body) = accept(
        &app,
        &supplier,
        id,
        json!({"full_name": "", "job_title": "Director\u{1b}"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, accepted) = accept(&app, &supplier, id, signed.clone()).await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["state"], "active");
    let (status, body) = accept(&app, &supplier, id, signed).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "signing an agreement that is not waiting: {body}"
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already been accepted"));
    let accepted_told = told(&app, &reviewer, "agreement").await;
    assert!(
        accepted_told
            .iter()
            .any(|m| m.contains("Ada Lovelace accepted connection agreement CNTR0000001")),
        "{accepted_told:?}"
    );

    // The seal: what was accepted, by whom, from where; recomputed offline, any change named.
    let (status, seal) = app
        .api(
            Method::GET,
            &format!("/api/v1/agreements/{id}/seal"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{seal}");
    assert_eq!(seal["seal_sha256"], accepted["seal_sha256"]);
    assert_eq!(seal["seal"]["signatory"]["full_name"], "Ada Lovelace");
    assert_eq!(seal["seal"]["signatory"]["email"], SIGNATORY);
    assert_eq!(seal["seal"]["agreement_version_sha256"], v1["sha256"]);
    assert_eq!(seal["seal"]["certificate_id"], cert["id"]);
    assert_eq!(seal["seal"]["snapshot_sha256"], cert["snapshot_sha256"]);
    assert_eq!(seal["seal"]["user_agent"], "Mozilla/5.0 (agreement test)");
    assert_eq!(seal["seal"]["consent"], accepted["consent_statement"]);
    let (ok, report) = verify_seal(&app, &seal);
    assert!(ok, "{report}");
    let check_seal = format!("/api/v1/agreements/{id}/seal/check");
    assert_eq!(report["seal_sha256"], seal["seal_sha256"]);
    for (field, pointer, value) in [
        ("signatory", "/seal/signatory/job_title", json!("Intern")),
        ("organisation", "/seal/organisation/name", json!("Another Ltd")),
        (
            "agreement_version_sha256",
            "/seal/agreement_version_sha256",
            json!("0".repeat(64)),
        ),
        (
            "certificate_id",
            "/seal/certificate_id",
            json!("00000000-0000-4000-8000-000000000000"),
        ),
        ("snapshot_sha256", "/seal/snapshot_sha256", json!("1".repeat(64))),
        ("consent", "/seal/consent", json!("I agree to nothing")),
        ("accepted_at", "/seal/accepted_at", json!("2020-01-01T00:00:00Z")),
        ("client_address", "/seal/client_address", json!("198.51.100.1")),
        ("user_agent", "/seal/user_agent", json!("curl/8")),
    ] {
        let mut forged = seal.clone();
        *forged.pointer_mut(pointer).unwrap() = value;
        let (ok, report) = verify_seal(&app, &forged);
        assert!(!ok, "{field} changed must not verify");
        assert_eq!(report["check"], format!("field:{field}"), "{report}");
        // Online, against the seal scal recorded, even with the field hashes recomputed.
        let mut recomputed: scal_domain::agreement::SealDocument = serde_json::from_value(forged).unwrap();
        recomputed.field_sha256 = recomputed.seal.field_hashes();
        recomputed.seal_sha256 = scal_domain::agreement::seal_hash(&recomputed.seal);
        let recomputed = serde_json::to_value(&recomputed).unwrap();
        assert!(
            verify_seal(&app, &recomputed).0,
            "a consistent forgery recomputes offline"
        );
        let (status, online) = app
            .api(Method::POST, &check_seal, Some(&reviewer), Some(recomputed))
            .await;
        assert_eq!(status, StatusCode::OK, "{online}");
        assert_eq!(online["verified"], false);
        assert_eq!(online["check"], format!("field:{field}"), "{online}");
    }
    let (_, online) = app
        .api(Method::POST, &check_seal, Some(&reviewer), Some(seal.clone()))
        .await;
    assert_eq!(online["verified"], true, "{online}");
    let mut wrong_hash = seal.clone();
    wrong_hash["seal_sha256"] = json!("e".repeat(64));
    let (_, online) = app
        .api(Method::POST, &check_seal, Some(&reviewer), Some(wrong_hash))
        .await;
    assert_eq!(online["check"], "seal_hash", "{online}");
    let (status, _) = app
        .api(Method::POST, &check_seal, Some(&other), Some(seal.clone()))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mut forged = seal.clone();
    forged["seal_sha256"] = json!("f".repeat(64));
    assert_eq!(verify_seal(&app, &forged).1["check"], "seal_hash");

    // Go-live: NHS England only, once.
    let approve = json!({"service": "GPC-SEND-DOC"});
    let (status, _) = app
        .api(Method::POST, &go_live, Some(&supplier), Some(approve.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .api(Method::POST, &go_live, Some(&reviewer), Some(approve.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["approvals"][0]["service"], "GPC-SEND-DOC");
    let (status, body) = app
        .api(Method::POST, &go_live, Some(&nhse_admin), Some(approve.clone()))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict")),
        "{body}"
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already been approved"));
    let live_told = told(&app, &member, "go_live").await;
    assert!(
        live_told.iter().any(|m| m.contains("approved go-live")),
        "{live_told:?}"
    );

    // Step 10 done, the SCAL live: on the API and the dashboard row.
    let (_, view) = app
        .api(Method::GET, &format!("/api/v1/scals/{scal}"), Some(&supplier), None)
        .await;
    assert_eq!(view["status"]["code"], "live", "{}", view["status"]);
    let (_, cases) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{scal}/cases"),
            Some(&supplier),
            None,
        )
        .await;
    assert!(cases.to_string().contains("Go-live approved by NHS England"), "{cases}");
    let session = app.sign_in(SIGNATORY, crate::support::PASSWORD).await.unwrap();
    let download = app
        .page(Some(&session), Method::GET, &format!("/agreements/{id}/seal"), &[])
        .await;
    assert_eq!(download.status, StatusCode::OK);
    let downloaded: Value = serde_json::from_str(&download.html).unwrap();
    assert_eq!(downloaded, seal, "the page's download is the API's seal document");
    assert!(verify_seal(&app, &downloaded).0);
    let page = app
        .page(Some(&session), Method::GET, &format!("/agreements/{id}"), &[])
        .await;
    assert!(
        page.html.contains(seal["seal_sha256"].as_str().unwrap()),
        "the seal hash is shown"
    );
    let dashboard = app.page(Some(&session), Method::GET, "/", &[]).await;
    assert!(dashboard.html.contains("Live: go-live approved"), "{}", dashboard.html);

    // The condition is missed: the certificate is suspended, and go-live is blocked, named.
    app.clock.advance(time::Duration::days(31));
    let (status, body) = app.api(Method::POST, &go_live, Some(&reviewer), Some(approve)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("blocked")),
        "{body}"
    );
    assert!(body["error"]["blockers"].to_string().contains("suspended"), "{body}");

    // Revoked: no longer live.
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/certificates/{}/revoke", cert["id"].as_str().unwrap()),
            Some(&reviewer),
            Some(json!({"reason": "Condition missed"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, view) = app
        .api(Method::GET, &format!("/api/v1/scals/{scal}"), Some(&supplier), None)
        .await;
    assert_eq!(view["status"]["code"], "accepted");

    // Every action audited.
    for kind in [
        "agreement_version.published",
        "agreement.prepared",
        "agreement.accepted",
        "go_live.approved",
    ] {
        assert_eq!(audit_count(&app, kind).await, 1, "{kind}");
    }
}

#[tokio::test]
async fn a_new_version_is_put_to_existing_parties_and_an_uncertified_scal_gets_no_agreement() {
    let app = TestApp::demo().await;
    app.app().keys.generate(app.now()).unwrap();
    let reviewer = app.token_for(REVIEWER).await;
    let nhse_admin = app.token_for(NHSE_ADMIN).await;
    let supplier = app.token_for(SIGNATORY).await;
    let due = (app.now() + time::Duration::days(30)).date().to_string();
    let (scal, _) = accepted_with_a_condition(&app, &due).await;
    let today = app.now().date().to_string();
    let (_, v1) = app
        .api(
            Method::POST,
            "/api/v1/agreement-versions",
            Some(&nhse_admin),
            Some(json!({"title": "V1", "text": "One", "effective_date": today})),
        )
        .await;
    // No certificate yet: 409 with the reason.
    let prepare = format!("/api/v1/scals/{scal}/agreements");
    let input = json!({"version_id": v1["id"], "signatory": SIGNATORY});
    let (status, body) = app
        .api(Method::POST, &prepare, Some(&reviewer), Some(input.clone()))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("No certificate"));
    pass_every_test(&app, &scal).await;
    app.api(
        Method::POST,
        &format!("/api/v1/scals/{scal}/certificates"),
        Some(&reviewer),
        Some(json!({})),
    )
    .await;
    let (_, first) = app.api(Method::POST, &prepare, Some(&reviewer), Some(input)).await;
    let (status, _) = accept(
        &app,
        &supplier,
        first["id"].as_str().unwrap(),
        json!({"full_name": "Ada Lovelace", "job_title": "Director"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    // A new version, a week ahead: the existing party is asked to accept it.
    let later = (app.now() + time::Duration::days(7)).date().to_string();
    let (_, v2) = app
        .api(
            Method::POST,
            "/api/v1/agreement-versions",
            Some(&nhse_admin),
            Some(json!({"title": "V2", "text": "Two", "effective_date": later})),
        )
        .await;
    let (status, asked) = app
        .api(
            Method::POST,
            &format!(
                "/api/v1/agreement-versions/{}/request-acceptance",
                v2["id"].as_str().unwrap()
            ),
            Some(&nhse_admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    assert_eq!(asked["prepared"].as_array().unwrap().len(), 1, "{asked}");
    let second = &asked["prepared"][0];
    assert_eq!(second["reference"], "CNTR0000002");
    assert_eq!(second["signatory_email"], SIGNATORY);
    let (status, accepted) = accept(
        &app,
        &supplier,
        second["id"].as_str().unwrap(),
        json!({"full_name": "Ada Lovelace", "job_title": "Director"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    assert_eq!(accepted["state"], "accepted", "in force from its start date");
    assert_eq!(accepted["start_date"], later);
    // Until then the agreement in force stays active: no day without one, so go-live goes ahead.
    let (_, list) = app.api(Method::GET, &prepare, Some(&supplier), None).await;
    assert_eq!(
        (list[0]["state"].as_str(), list[1]["state"].as_str()),
        (Some("accepted"), Some("active")),
        "{list}"
    );
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/go-live"),
            Some(&reviewer),
            Some(json!({"service": "GPC-SEND-DOC"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // From its start date the new one is in force and the old one superseded.
    app.clock.advance(time::Duration::days(7));
    let supplier = app.token_for(SIGNATORY).await;
    let (_, list) = app.api(Method::GET, &prepare, Some(&supplier), None).await;
    assert_eq!(
        (list[0]["state"].as_str(), list[1]["state"].as_str()),
        (Some("active"), Some("superseded")),
        "{list}"
    );
    let (_, view) = app
        .api(Method::GET, &format!("/api/v1/scals/{scal}"), Some(&supplier), None)
        .await;
    assert_eq!(view["status"]["code"], "live", "{}", view["status"]);
}

/// Sets a user's role directly, as an administrator changing it would.
async fn set_role(app: &TestApp, email: &str, role: &str) {
    sqlx::query("UPDATE users SET role = $1 WHERE email = $2")
        .bind(role)
        .bind(email)
        .execute(app.app().store.pool())
        .await
        .unwrap();
}

/// A certified SCAL with an agreement prepared for the supplier's administrator: (SCAL ID,
/// agreement ID).
async fn prepared(app: &TestApp) -> (String, String) {
    let reviewer = app.token_for(REVIEWER).await;
    let nhse_admin = app.token_for(NHSE_ADMIN).await;
    let due = (app.now() + time::Duration::days(30)).date().to_string();
    let (scal, _) = accepted_with_a_condition(app, &due).await;
    pass_every_test(app, &scal).await;
    let (status, cert) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/certificates"),
            Some(&reviewer),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cert}");
    let (_, v1) = app
        .api(
            Method::POST,
            "/api/v1/agreement-versions",
            Some(&nhse_admin),
            Some(json!({"title": "V1", "text": "One", "effective_date": app.now().date().to_string()})),
        )
        .await;
    let (status, agreement) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/agreements"),
            Some(&nhse_admin),
            Some(json!({"version_id": v1["id"], "signatory": SIGNATORY})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{agreement}");
    (scal, agreement["id"].as_str().unwrap().to_string())
}

/// The named signatory is no longer an administrator: they cannot accept, saying why; NHS England
/// names another (who is told and accepts) or withdraws the agreement and prepares a new one.
#[tokio::test]
async fn a_signatory_who_is_no_longer_eligible_is_replaced_or_the_agreement_withdrawn() {
    let app = TestApp::demo().await;
    app.app().keys.generate(app.now()).unwrap();
    let (scal, id) = prepared(&app).await;
    let reviewer = app.token_for(REVIEWER).await;
    set_role(&app, SIGNATORY, "supplier_member").await;
    let former = app.token_for(SIGNATORY).await;
    let signed = json!({"full_name": "Ada Lovelace", "job_title": "Director"});
    let (status, body) = accept(&app, &former, &id, signed.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no longer an administrator"),
        "{body}"
    );
    let agreement_url = format!("/api/v1/agreements/{id}");
    let (_, view) = app.api(Method::GET, &agreement_url, Some(&reviewer), None).await;
    assert_eq!(view["signatory_eligible"], false, "{view}");
    let session = app.sign_in(REVIEWER, crate::support::PASSWORD).await.unwrap();
    let page = app
        .page(Some(&session), Method::GET, &format!("/agreements/{id}"), &[])
        .await;
    assert!(page.html.contains("The signatory cannot accept it"), "{}", page.html);
    assert!(page.html.contains("Name a different signatory"));

    // Another signatory: an active administrator of the supplier only; NHS England only.
    let change = format!("/api/v1/agreements/{id}/signatory");
    let (status, body) = app
        .api(
            Method::POST,
            &change,
            Some(&reviewer),
            Some(json!({"signatory": MEMBER})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("signatory")),
        "{body}"
    );
    set_role(&app, MEMBER, "supplier_admin").await;
    let member = app.token_for(MEMBER).await;
    let (status, _) = app
        .api(Method::POST, &change, Some(&member), Some(json!({"signatory": MEMBER})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, changed) = app
        .api(
            Method::POST,
            &change,
            Some(&reviewer),
            Some(json!({"signatory": MEMBER})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (changed["signatory_email"].as_str(), &changed["signatory_eligible"]),
        (Some(MEMBER), &json!(true))
    );
    assert!(
        told(&app, &member, "agreement")
            .await
            .iter()
            .any(|m| m.contains("named you")),
        "the new signatory is told"
    );
    assert_eq!(audit_count(&app, "agreement.signatory_changed").await, 1);
    let (status, _) = accept(&app, &former, &id, signed.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no longer the signatory");

    // Or withdrawn: NHS England only, while it waits; then a new one can be prepared.
    let withdraw = format!("/api/v1/agreements/{id}/withdraw");
    let (status, _) = app.api(Method::POST, &withdraw, Some(&member), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.api(Method::POST, &withdraw, Some(&reviewer), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.api(Method::GET, &agreement_url, Some(&reviewer), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(&app, "agreement.withdrawn").await, 1);
    assert!(
        told(&app, &member, "agreement")
            .await
            .iter()
            .any(|m| m.contains("withdrew connection agreement CNTR0000001")),
        "the signatory is told"
    );
    let (_, versions) = app
        .api(Method::GET, "/api/v1/agreement-versions", Some(&reviewer), None)
        .await;
    let prepare = format!("/api/v1/scals/{scal}/agreements");
    let (status, again) = app
        .api(
            Method::POST,
            &prepare,
            Some(&reviewer),
            Some(json!({"version_id": versions[0]["id"], "signatory": MEMBER})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    let again = again["id"].as_str().unwrap().to_string();
    let (status, _) = accept(&app, &member, &again, signed).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/agreements/{again}/withdraw"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "an accepted agreement stays: {body}");
}

/// The agreement shows the seal hash stored at acceptance, and flags an acceptance altered since.
#[tokio::test]
async fn the_stored_seal_is_shown_and_an_altered_acceptance_flagged() {
    let app = TestApp::demo().await;
    app.app().keys.generate(app.now()).unwrap();
    let (_, id) = prepared(&app).await;
    let supplier = app.token_for(SIGNATORY).await;
    let (status, accepted) = accept(
        &app,
        &supplier,
        &id,
        json!({"full_name": "Ada Lovelace", "job_title": "Director"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{accepted}");
    let stored = accepted["seal_sha256"].as_str().unwrap().to_string();
    assert_eq!(accepted["seal_intact"], true);
    let seal: String = sqlx::query_scalar("SELECT seal FROM agreements WHERE id = $1")
        .bind(&id)
        .fetch_one(app.app().store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE agreements SET seal = $1 WHERE id = $2")
        .bind(seal.replace("Ada Lovelace", "Someone Else"))
        .bind(&id)
        .execute(app.app().store.pool())
        .await
        .unwrap();
    let (_, view) = app
        .api(Method::GET, &format!("/api/v1/agreements/{id}"), Some(&supplier), None)
        .await;
    assert_eq!(
        (view["seal_sha256"].as_str(), &view["seal_intact"]),
        (Some(stored.as_str()), &json!(false)),
        "{view}"
    );
    let session = app.sign_in(SIGNATORY, crate::support::PASSWORD).await.unwrap();
    let page = app
        .page(Some(&session), Method::GET, &format!("/agreements/{id}"), &[])
        .await;
    assert!(page.html.contains(&stored), "the stored seal hash is shown");
    assert!(
        page.html.contains("The stored acceptance does not match its seal"),
        "{}",
        page.html
    );
    // The published seal carries the stored hash, so checking it offline names the change.
    let (_, doc) = app
        .api(
            Method::GET,
            &format!("/api/v1/agreements/{id}/seal"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(doc["seal_sha256"], stored.as_str());
    let (ok, report) = verify_seal(&app, &doc);
    assert!(!ok);
    assert_eq!(report["check"], "seal_hash", "{report}");
}

/// An agreement rests on a valid certificate: revoked after the agreement was prepared, the
/// signatory cannot accept it (409), and nothing is sealed.
#[tokio::test]
async fn an_agreement_cannot_be_accepted_once_its_certificate_is_revoked() {
    let app = TestApp::demo().await;
    app.app().keys.generate(app.now()).unwrap();
    let supplier = app.token_for(SIGNATORY).await;
    let reviewer = app.token_for(REVIEWER).await;
    let nhse_admin = app.token_for(NHSE_ADMIN).await;
    let due = (app.now() + time::Duration::days(30)).date().to_string();
    let (scal, _) = accepted_with_a_condition(&app, &due).await;
    pass_every_test(&app, &scal).await;
    let (_, cert) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/certificates"),
            Some(&reviewer),
            Some(json!({})),
        )
        .await;
    let version = json!({"title": "Connection agreement", "text": "Connect only as the SCAL says.",
        "effective_date": app.now().date().to_string()});
    let (_, v1) = app
        .api(
            Method::POST,
            "/api/v1/agreement-versions",
            Some(&nhse_admin),
            Some(version),
        )
        .await;
    let (status, agreement) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/agreements"),
            Some(&nhse_admin),
            Some(json!({"version_id": v1["id"], "signatory": SIGNATORY})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{agreement}");
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/certificates/{}/revoke", cert["id"].as_str().unwrap()),
            Some(&reviewer),
            Some(json!({"reason": "Withdrawn"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let signed = json!({"full_name": "Ada Lovelace", "job_title": "Managing Director"});
    let (status, body) = accept(&app, &supplier, agreement["id"].as_str().unwrap(), signed).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("revoked"), "{body}");
    assert_eq!(audit_count(&app, "agreement.accepted").await, 0);
}
