//! The certificate of technical conformance through the API and `scal verify`: refused until
//! testing is complete, issued once per accepted round, signed and checkable offline and by
//! anyone, suspended by an overdue condition until NHS England confirms it met, revoked finally.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::review::{submitted_with_a_red_item, RED};
use crate::support::{audit_count, TestApp};

pub(crate) const SUPPLIER: &str = "admin@acme.example";
pub(crate) const REVIEWER: &str = "reviewer@nhse.example";
pub(crate) const SERVICE: &str = "GPC-SEND-DOC";

/// Acme PAS submitted with a red item and accepted, the red item agreed on a condition due
/// `due`; returns (SCAL ID, submission ID).
pub(crate) async fn accepted_with_a_condition(app: &TestApp, due: &str) -> (String, String) {
    let reviewer = app.token_for(REVIEWER).await;
    let (scal, round) = submitted_with_a_red_item(app).await;
    let (_, review) = app
        .api(
            Method::GET,
            &format!("/api/v1/submissions/{round}/review"),
            Some(&reviewer),
            None,
        )
        .await;
    let verdicts: Vec<Value> = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let mut v = json!({"sheet": i["sheet"], "requirement_id": i["requirement_id"], "verdict": "accepted"});
            if i["requirement_id"] == RED {
                v["decision"] = json!("agreed_with_conditions");
                v["conditions"] = json!([{"text": "Confirm the MESH mailbox is live", "due_date": due}]);
            }
            v
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
    (scal, round)
}

/// Every test case of the SCAL's service passed.
pub(crate) async fn pass_every_test(app: &TestApp, scal: &str) {
    let reviewer = app.token_for(REVIEWER).await;
    let (_, testing) = app
        .api(
            Method::GET,
            &format!("/api/v1/scals/{scal}/testing"),
            Some(&reviewer),
            None,
        )
        .await;
    let ids: Vec<String> = testing["cases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["test_cases"].as_array().unwrap().iter())
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!ids.is_empty(), "{testing}");
    for id in ids {
        let (status, body) = app
            .api(
                Method::POST,
                &format!("/api/v1/scals/{scal}/testing/{SERVICE}/results"),
                Some(&reviewer),
                Some(json!({"test_case_id": id, "outcome": "passed"})),
            )
            .await;
        assert!(status.is_success(), "{body}");
    }
}

pub(crate) fn verify_offline(app: &TestApp, jws: &str, jwks: &Value) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let (jws_file, jwks_file) = (dir.path().join("certificate.jws"), dir.path().join("jwks.json"));
    std::fs::write(&jws_file, jws).unwrap();
    std::fs::write(&jwks_file, jwks.to_string()).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_scal"))
        .arg("--data-dir")
        .arg(app.db.data_dir())
        .arg("verify")
        .arg(&jws_file)
        .arg("--jwks")
        .arg(&jwks_file)
        .env_remove("DATABASE_URL")
        .env("SCAL_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_certificate_is_issued_once_checked_by_anyone_suspended_by_an_overdue_condition_and_revoked() {
    let app = TestApp::demo().await;
    app.app().keys.generate(app.now()).unwrap();
    let supplier = app.token_for(SUPPLIER).await;
    let reviewer = app.token_for(REVIEWER).await;
    let other = app.token_for("admin@brightwater.example").await;
    let due = (app.now() + time::Duration::days(30)).date().to_string();
    let (scal, round) = accepted_with_a_condition(&app, &due).await;
    let issue = format!("/api/v1/scals/{scal}/certificates");

    // Not before testing is complete: every outstanding test case is named.
    let (status, body) = app.api(Method::POST, &issue, Some(&reviewer), Some(json!({}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "blocked");
    assert!(
        body["error"]["blockers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b.as_str().unwrap().contains("has no result yet")),
        "{body}"
    );
    pass_every_test(&app, &scal).await;

    // Only NHS England issues; an expiry must be after today.
    let (status, _) = app.api(Method::POST, &issue, Some(&supplier), Some(json!({}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.api(Method::POST, &issue, Some(&other), Some(json!({}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = app
        .api(
            Method::POST,
            &issue,
            Some(&reviewer),
            Some(json!({"expires_on": "2020-01-01"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("expires_on"))
    );
    assert_eq!(audit_count(&app, "certificate.issued").await, 0, "nothing issued");

    let expires = (app.now() + time::Duration::days(730)).date().to_string();
    let (status, cert) = app
        .api(
            Method::POST,
            &issue,
            Some(&reviewer),
            Some(json!({"expires_on": expires})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cert}");
    assert_eq!(cert["status"], "valid");
    assert_eq!(cert["number"], "SCAL-C-000001");
    assert_eq!(cert["supplier_ods_code"], "8JK21");
    assert_eq!(cert["services"], json!([SERVICE]));
    assert_eq!(cert["conditions"][0]["due_date"], due.as_str());
    let view = scal_app::scals::view_scal(app.app(), &scal_app::Actor::System, &scal)
        .await
        .unwrap();
    assert_eq!(cert["snapshot_sha256"], view.rounds[0].sha256.as_str());
    assert_eq!(view.rounds[0].id, round);
    let id = cert["id"].as_str().unwrap().to_string();
    let (status, body) = app.api(Method::POST, &issue, Some(&reviewer), Some(json!({}))).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict")),
        "{body}"
    );

    // Anyone can check it: the public status and page, the JWS against the published keys.
    let (status, public) = app
        .api(Method::GET, &format!("/api/v1/certificates/{id}/status"), None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{public}");
    assert_eq!(
        (public["status"].as_str(), public["number"].as_str()),
        (Some("valid"), Some("SCAL-C-000001"))
    );
    assert!(public["conditions"][0]["id"].is_null(), "who met what is not public");
    let (status, _) = app
        .api(
            Method::GET,
            "/api/v1/certificates/5b7e0a1c-0000-4000-8000-00000000dead/status",
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let page = app.page(None, Method::GET, &format!("/verify/{id}"), &[]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html.contains("Certificate SCAL-C-000001 is valid"),
        "{}",
        page.html
    );
    let (_, jwks) = app.api(Method::GET, "/.well-known/jwks.json", None, None).await;
    let jws = cert["jws"].as_str().unwrap();
    let ok = verify_offline(&app, jws, &jwks);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(
        out.contains("scal-certificate") && out.contains("SCAL-C-000001"),
        "{out}"
    );
    // An altered certificate: the facts changed, the signature no longer matches.
    let mut parts: Vec<String> = jws.split('.').map(String::from).collect();
    let payload = base64_url_decode(&parts[1]);
    let altered = String::from_utf8(payload).unwrap().replace("8JK21", "8QW47");
    parts[1] = base64_url_encode(altered.as_bytes());
    let forged = verify_offline(&app, &parts.join("."), &jwks);
    assert_eq!(forged.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&forged.stderr).contains("not verified"),
        "{}",
        String::from_utf8_lossy(&forged.stderr)
    );

    // A key rotation later, the certificate still verifies (the old key is still published).
    app.app().keys.rotate(app.now()).unwrap();
    let (_, jwks) = app.api(Method::GET, "/.well-known/jwks.json", None, None).await;
    assert!(verify_offline(&app, jws, &jwks).status.success());

    // The condition passes its date unmet: suspended, until the supplier meets it and NHS
    // England confirms.
    app.clock.advance(time::Duration::days(31));
    let supplier = app.token_for(SUPPLIER).await;
    let reviewer = app.token_for(REVIEWER).await;
    let (_, now) = app
        .api(
            Method::GET,
            &format!("/api/v1/certificates/{id}"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(now["status"], "suspended", "{now}");
    assert!(now["status_reasons"][0]
        .as_str()
        .unwrap()
        .contains("Confirm the MESH mailbox is live"));
    let condition = now["conditions"][0]["id"].as_str().unwrap().to_string();
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/conditions/{condition}/confirm"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "not yet said to be met");
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/conditions/{condition}/met"),
            Some(&supplier),
            Some(json!({"note": ""})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("note"))
    );
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/conditions/{condition}/met"),
            Some(&reviewer),
            Some(json!({"note": "x"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "NHS England does not meet a supplier's condition"
    );
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/conditions/{condition}/met"),
            Some(&supplier),
            Some(json!({"note": "Mailbox live since 2 January; first documents sent"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, still) = app
        .api(Method::GET, &format!("/api/v1/certificates/{id}/status"), None, None)
        .await;
    assert_eq!(still["status"], "suspended", "met but not confirmed");
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/conditions/{condition}/confirm"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/conditions/{condition}/confirm"),
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, lifted) = app
        .api(Method::GET, &format!("/api/v1/certificates/{id}/status"), None, None)
        .await;
    assert_eq!(lifted["status"], "valid");

    // Revoked: final, with a reason, and the verify page says so.
    let revoke = format!("/api/v1/certificates/{id}/revoke");
    let (status, _) = app
        .api(Method::POST, &revoke, Some(&supplier), Some(json!({"reason": "x"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = app
        .api(Method::POST, &revoke, Some(&reviewer), Some(json!({"reason": " "})))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let (status, body) = app
        .api(
            Method::POST,
            &revoke,
            Some(&reviewer),
            Some(json!({"reason": "The product was withdrawn"})),
        )
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("revoked")),
        "{body}"
    );
    let (status, _) = app
        .api(Method::POST, &revoke, Some(&reviewer), Some(json!({"reason": "Again"})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let page = app.page(None, Method::GET, &format!("/verify/{id}"), &[]).await;
    assert!(page.html.contains("is revoked"), "{}", page.html);
    assert!(page.html.contains("The product was withdrawn"));
    for kind in [
        "certificate.issued",
        "certificate.revoked",
        "condition.met",
        "condition.confirmed",
    ] {
        assert_eq!(audit_count(&app, kind).await, 1, "{kind}");
    }
}

/// Sets one column of a certificate's row, as someone with write access to the database could.
async fn set_certificate_column(app: &TestApp, id: &str, column: &str, value: &str) {
    let sql = format!("UPDATE certificates SET {column} = $1 WHERE id = $2");
    sqlx::query(&sql)
        .bind(value)
        .bind(id)
        .execute(app.app().store.pool())
        .await
        .unwrap();
}

/// A certificate altered in the database (its facts column, or its JWS) does not read as valid
/// anywhere: the public status says it cannot be verified and shows what was signed, the verify
/// page says so, and neither the agreement's acceptance nor go-live goes ahead on it.
#[tokio::test]
async fn a_certificate_altered_in_the_database_cannot_be_verified_accepted_on_or_approved_on() {
    let app = TestApp::demo().await;
    app.app().keys.generate(app.now()).unwrap();
    let reviewer = app.token_for(REVIEWER).await;
    let nhse_admin = app.token_for("admin@nhse.example").await;
    let supplier = app.token_for(SUPPLIER).await;
    let due = (app.now() + time::Duration::days(30)).date().to_string();
    let (scal, _) = accepted_with_a_condition(&app, &due).await;
    pass_every_test(&app, &scal).await;
    let (status, cert) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/certificates"),
            Some(&reviewer),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cert}");
    let id = cert["id"].as_str().unwrap().to_string();
    let (_, version) = app
        .api(
            Method::POST,
            "/api/v1/agreement-versions",
            Some(&nhse_admin),
            Some(
                json!({"title": "Connection agreement", "text": "Connect only as the SCAL says.",
                "effective_date": app.now().date().to_string()}),
            ),
        )
        .await;
    let (status, agreement) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/agreements"),
            Some(&nhse_admin),
            Some(json!({"version_id": version["id"], "signatory": SUPPLIER})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{agreement}");
    let agreement = agreement["id"].as_str().unwrap().to_string();
    let (facts, jws): (String, String) = sqlx::query_as("SELECT facts, jws FROM certificates WHERE id = $1")
        .bind(&id)
        .fetch_one(app.app().store.pool())
        .await
        .unwrap();
    let status_of = || async {
        app.api(Method::GET, &format!("/api/v1/certificates/{id}/status"), None, None)
            .await
            .1
    };

    // The facts column changed: the signed facts are shown, and the status says why.
    set_certificate_column(&app, &id, "facts", &facts.replace("8JK21", "8QW47")).await;
    let public = status_of().await;
    assert_eq!(public["status"], "unverifiable", "{public}");
    assert!(
        public["status_reasons"][0]
            .as_str()
            .unwrap()
            .contains("stored facts differ from the signed ones (supplier_ods_code)"),
        "{public}"
    );
    assert_eq!(public["supplier_ods_code"], "8JK21", "what was signed, not the row");
    let page = app.page(None, Method::GET, &format!("/verify/{id}"), &[]).await;
    assert!(
        page.html.contains("Certificate SCAL-C-000001 cannot be verified"),
        "{}",
        page.html
    );
    assert!(!page.html.contains("These facts are signed by NHS England"));
    let (status, body) = crate::agreements::accept(
        &app,
        &supplier,
        &agreement,
        json!({"full_name": "Ada Lovelace", "job_title": "Director"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be verified"),
        "{body}"
    );

    // Put back, the agreement is accepted.
    set_certificate_column(&app, &id, "facts", &facts).await;
    assert_eq!(status_of().await["status"], "valid");
    let (status, body) = crate::agreements::accept(
        &app,
        &supplier,
        &agreement,
        json!({"full_name": "Ada Lovelace", "job_title": "Director"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A consistent forgery: the JWS's payload and the facts column changed alike, the
    // signature kept. The signature no longer checks out; go-live is refused on it.
    let mut parts: Vec<String> = jws.split('.').map(String::from).collect();
    let forged_facts = String::from_utf8(base64_url_decode(&parts[1]))
        .unwrap()
        .replace("8JK21", "8QW47");
    parts[1] = base64_url_encode(forged_facts.as_bytes());
    set_certificate_column(&app, &id, "jws", &parts.join(".")).await;
    set_certificate_column(&app, &id, "facts", &forged_facts).await;
    let public = status_of().await;
    assert_eq!(public["status"], "unverifiable", "{public}");
    assert!(
        public["status_reasons"][0].as_str().unwrap().contains("bad signature"),
        "{public}"
    );
    let page = app.page(None, Method::GET, &format!("/verify/{id}"), &[]).await;
    assert!(page.html.contains("cannot be verified"), "{}", page.html);
    let go_live = format!("/api/v1/scals/{scal}/go-live");
    let approve = json!({"service": SERVICE});
    let (status, body) = app
        .api(Method::POST, &go_live, Some(&reviewer), Some(approve.clone()))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("blocked")),
        "{body}"
    );
    assert!(
        body["error"]["blockers"]
            .to_string()
            .contains("The certificate cannot be verified"),
        "{body}"
    );

    // Put back, go-live is approved.
    set_certificate_column(&app, &id, "jws", &jws).await;
    set_certificate_column(&app, &id, "facts", &facts).await;
    assert_eq!(status_of().await["status"], "valid");
    let (status, body) = app.api(Method::POST, &go_live, Some(&reviewer), Some(approve)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let path = format!("/api/v1/scals/{scal}");
    let (_, view) = app.api(Method::GET, &path, Some(&supplier), None).await;
    assert_eq!(view["status"]["code"], "live");
    // Altered once it is live, it is live no longer: step 10 rests on a certificate that stands.
    set_certificate_column(&app, &id, "facts", &forged_facts).await;
    let (_, view) = app.api(Method::GET, &path, Some(&supplier), None).await;
    assert_eq!(view["status"]["code"], "accepted");
    set_certificate_column(&app, &id, "facts", &facts).await;
    let (_, view) = app.api(Method::GET, &path, Some(&supplier), None).await;
    assert_eq!(view["status"]["code"], "live");
}

fn base64_url_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).unwrap()
}

fn base64_url_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
