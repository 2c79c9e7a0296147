//! End user organisations through the API: an accepted, certified SCAL shared with two EUOs (one
//! invited before it is registered), the acceptable use policy acknowledged, local assurance
//! approved and deployed at one, the certificate suspended by an overdue condition (both told,
//! the second's approval refused), and a share revoked (every URL of it then not found).

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::certificates::{accepted_with_a_condition, pass_every_test, REVIEWER, SUPPLIER};
use crate::support::{audit_count, TestApp};

pub(crate) const EUO: &str = "practice@riverside.example";

pub(crate) fn get_with_token(path: &str, token: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::builder()
        .uri(path)
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap()
}

fn fields(body: &Value) -> Vec<String> {
    let mut out: Vec<String> = body["error"]["fields"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default();
    if out.is_empty() {
        out.extend(body["error"]["field"].as_str().map(str::to_string));
    }
    out
}

/// Acme PAS accepted with a condition due in `due_days`, tested and certified; returns (SCAL ID,
/// product ID, certificate ID).
pub(crate) async fn certified(app: &TestApp, due_days: i64) -> (String, String, String) {
    app.app().keys.generate(app.now()).unwrap();
    let reviewer = app.token_for(REVIEWER).await;
    let due = (app.now() + time::Duration::days(due_days)).date().to_string();
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
    let product = app.product_id("Acme PAS").await;
    (scal, product, cert["id"].as_str().unwrap().to_string())
}

async fn upload(app: &TestApp, token: &str, scal: &str, name: &str, text: &str) -> String {
    let (status, _, body) = app
        .api_upload(
            &format!("/api/v1/scals/{scal}/evidence?file_name={name}"),
            token,
            text.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_string()
}

async fn notifications(app: &TestApp, token: &str) -> Vec<String> {
    let (status, body) = app.api(Method::GET, "/api/v1/notifications", Some(token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn an_accepted_scal_is_shared_assured_locally_suspended_and_revoked() {
    let app = TestApp::demo().await;
    let (scal, product, certificate) = certified(&app, 10).await;
    let supplier = app.token_for(SUPPLIER).await;
    let member = app.token_for("dev@acme.example").await;
    let nhse = app.token_for("admin@nhse.example").await;
    let riverside = app.token_for(EUO).await;
    let hazard_log = upload(&app, &supplier, &scal, "hazard-log.txt", "Hazard log: H1 wrong patient").await;
    let internal = upload(&app, &supplier, &scal, "internal-notes.txt", "Not for customers").await;
    let shares = format!("/api/v1/products/{product}/shares");

    // Bad input, every field named at once; nothing shared.
    let (status, body) = app
        .api(
            Method::POST,
            &shares,
            Some(&supplier),
            Some(json!({"euo_ods": "8QW47", "expires_on": "2020-01-01", "evidence_ids": ["5b7e0a1c-0000-4000-8000-00000000dead"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(fields(&body), ["euo_ods", "expires_on", "evidence_ids"], "{body}");
    assert!(body.to_string().contains("not an end user organisation"), "{body}");
    // A SCAL not accepted cannot be shared: Brightwater EPR is with NHS England.
    let brightwater = app.token_for("admin@brightwater.example").await;
    let epr = app.product_id("Brightwater EPR").await;
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/products/{epr}/shares"),
            Some(&brightwater),
            Some(json!({"euo_ods": "Y0R1V"})),
        )
        .await;
    assert_eq!(
        (status, fields(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["product".to_string()]),
        "{body}"
    );
    // Only supplier administrators share; another supplier's product is not found.
    let (status, _) = app
        .api(Method::POST, &shares, Some(&member), Some(json!({"euo_ods": "Y0R1V"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .api(
            Method::POST,
            &shares,
            Some(&brightwater),
            Some(json!({"euo_ods": "Y0R1V"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(audit_count(&app, "share.created").await, 0);

    // Shared with Riverside (registered) and with A81001 (not yet: an invitation).
    let (status, first) = app
        .api(
            Method::POST,
            &shares,
            Some(&supplier),
            Some(json!({"euo_ods": "y0r1v", "evidence_ids": [hazard_log]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(
        (
            first["state"].as_str(),
            first["euo_name"].as_str(),
            first["certificate"]["status"].as_str()
        ),
        (Some("active"), Some("Riverside Health Centre"), Some("valid"))
    );
    let first_id = first["id"].as_str().unwrap().to_string();
    let (status, body) = app
        .api(
            Method::POST,
            &shares,
            Some(&supplier),
            Some(json!({"euo_ods": "Y0R1V"})),
        )
        .await;
    assert_eq!(
        (status, fields(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["euo_ods".to_string()])
    );
    let (status, second) = app
        .api(
            Method::POST,
            &shares,
            Some(&supplier),
            Some(json!({"euo_ods": "A81001", "evidence_ids": [hazard_log]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert!(second["euo_name"].is_null(), "{second}");
    let second_id = second["id"].as_str().unwrap().to_string();
    assert!(notifications(&app, &riverside)
        .await
        .iter()
        .any(|m| m.contains("shared its accepted SCAL with your organisation")));
    assert!(notifications(&app, &nhse).await.iter().any(|m| m.contains("A81001")));

    // NHS England registers the invited organisation and its user sees the share.
    let (status, org) = app
        .api(
            Method::POST,
            "/api/v1/organisations",
            Some(&nhse),
            Some(json!({"ods_code": "A81001", "name": "Meadow Surgery", "kind": "euo"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
    let (status, user) = app
        .api(
            Method::POST,
            &format!("/api/v1/organisations/{}/users", org["id"].as_str().unwrap()),
            Some(&nhse),
            Some(json!({"email": "it@meadow.example", "name": "Meadow IT", "role": "euo_member", "password": "a long enough meadow password"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let meadow = app.token_for("it@meadow.example").await;
    assert!(
        notifications(&app, &meadow)
            .await
            .iter()
            .any(|m| m.contains("shared its accepted SCAL with your organisation")),
        "the invited organisation's new user hears of the share"
    );
    let (_, list) = app.api(Method::GET, "/api/v1/shares", Some(&meadow), None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["id"], second_id.as_str());
    assert_eq!(list[0]["euo_name"], "Meadow Surgery");
    let (_, list) = app.api(Method::GET, "/api/v1/shares", Some(&riverside), None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    // Neither EUO sees the other's share, nor an unshared file through any route.
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/api/v1/shares/{second_id}"),
            Some(&riverside),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, bytes) = app
        .send(get_with_token(
            &format!("/api/v1/shares/{first_id}/files/{hazard_log}"),
            &riverside,
        ))
        .await;
    assert_eq!(
        (status, bytes.as_slice()),
        (StatusCode::OK, b"Hazard log: H1 wrong patient".as_slice())
    );
    for path in [
        format!("/api/v1/shares/{first_id}/files/{internal}"),
        format!("/api/v1/evidence/{internal}"),
        format!("/api/v1/evidence/{hazard_log}"),
    ] {
        let (status, _, _) = app.send(get_with_token(&path, &riverside)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // A file a share gives cannot be deleted from under it; an unshared one can.
    let (status, body) = app
        .api(
            Method::DELETE,
            &format!("/api/v1/evidence/{hazard_log}"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.to_string().contains("shared with A81001, Y0R1V"), "{body}");
    // The accepted round, read-only, and its workbook.
    let (status, round) = app
        .api(
            Method::GET,
            &format!("/api/v1/shares/{first_id}/scal"),
            Some(&riverside),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{round}");
    assert_eq!(round["sha256"], first["accepted_sha256"]);
    assert!(round["snapshot"]["sheets"].as_array().unwrap().len() > 1);
    let (status, headers, book) = app
        .send(get_with_token(
            &format!("/api/v1/shares/{first_id}/workbook"),
            &riverside,
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[axum::http::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains(".xlsx"));
    let grids = scal_workbook::read(&book, "SCAL", scal_workbook::Limits::default()).unwrap();
    assert!(
        grids.iter().any(|g| g.name == "Certificate"),
        "the certificate travels with it"
    );

    // Approval is refused until everything it needs is there, each reason named.
    let decision = format!("/api/v1/shares/{first_id}/local-assurance/decision");
    let today = app.now().date().to_string();
    let (status, body) = app
        .api(
            Method::POST,
            &decision,
            Some(&riverside),
            Some(json!({"decision": "approved", "decided_on": today})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("blocked")),
        "{body}"
    );
    let blockers = body["error"]["blockers"].to_string();
    for why in [
        "acceptable use policy",
        "Clinical Safety Officer",
        "safety case",
        "hazard log",
    ] {
        assert!(blockers.contains(why), "{why}: {blockers}");
    }
    // The supplier publishes its policy; each EUO acknowledges it.
    let (status, policy) = app
        .api(
            Method::POST,
            &format!("/api/v1/products/{product}/use-policy"),
            Some(&supplier),
            Some(json!({"text": "Use Acme PAS only for direct care.", "effective_date": today})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{policy}");
    assert!(notifications(&app, &meadow)
        .await
        .iter()
        .any(|m| m.contains("acceptable use policy")));
    for (token, share) in [(&riverside, &first_id), (&meadow, &second_id)] {
        let (status, ack) = app
            .api(
                Method::POST,
                &format!("/api/v1/shares/{share}/use-policy/acknowledgements"),
                Some(token),
                Some(json!({"policy_id": policy["id"]})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{ack}");
        assert_eq!(ack["sha256"], policy["sha256"]);
    }
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/shares/{first_id}/use-policy/acknowledgements"),
            Some(&riverside),
            Some(json!({"policy_id": policy["id"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "acknowledged once");
    // Only the EUO keeps its local assurance.
    let (status, _) = app
        .api(
            Method::GET,
            &format!("/api/v1/shares/{first_id}/local-assurance"),
            Some(&supplier),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (token, share) in [(&riverside, &first_id), (&meadow, &second_id)] {
        let base = format!("/api/v1/shares/{share}/local-assurance");
        let (status, body) = app
            .api(
                Method::PUT,
                &format!("{base}/safety-officer"),
                Some(token),
                Some(json!({"cso_name": "Dr Asha Patel", "cso_registration": "GMC 7654321"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for which in ["safety-case", "hazard-log"] {
            let request = axum::http::Request::builder()
                .method(Method::PUT)
                .uri(format!("{base}/files/{which}?file_name={which}.txt"))
                .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
                .header(axum::http::header::CONTENT_TYPE, "application/octet-stream")
                .body(axum::body::Body::from(format!("Our local {which}")))
                .unwrap();
            let (status, _, body) = app.send(request).await;
            assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        }
    }
    let (status, local) = app
        .api(
            Method::POST,
            &decision,
            Some(&riverside),
            Some(json!({"decision": "approved", "decided_on": today})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{local}");
    assert_eq!(local["next_action"], "record_go_live");
    let go_live = (app.now() + time::Duration::days(3)).date().to_string();
    let (status, local) = app
        .api(
            Method::PUT,
            &format!("/api/v1/shares/{first_id}/local-assurance/go-live"),
            Some(&riverside),
            Some(json!({"go_live_on": go_live})),
        )
        .await;
    assert_eq!(
        (status, local["next_action"].as_str()),
        (StatusCode::OK, Some("none")),
        "{local}"
    );
    // The EUO's own files are its alone: NHS England does not read them by ID either.
    let own_file = local["safety_case"]["id"].as_str().unwrap().to_string();
    for token in [&nhse, &supplier] {
        let (status, _, _) = app
            .send(get_with_token(&format!("/api/v1/evidence/{own_file}"), token))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _, _) = app
        .send(get_with_token(
            &format!("/api/v1/shares/{first_id}/local-assurance/files/safety-case"),
            &riverside,
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    // The supplier and NHS England see where it is deployed.
    for token in [&supplier, &nhse] {
        let (_, deployed) = app.api(Method::GET, &shares, Some(token), None).await;
        let riverside_row = deployed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == first_id.as_str())
            .unwrap();
        assert_eq!(riverside_row["deployment"]["decision"], "approved");
        assert_eq!(riverside_row["deployment"]["go_live_on"], go_live.as_str());
    }

    // The condition falls due: the certificate is suspended, both EUOs are told once, and the
    // second EUO's approval is refused.
    app.clock.advance(time::Duration::days(11));
    let now = app.now();
    assert_eq!(scal_app::shares::watch(app.app(), now).await.unwrap(), 1);
    assert_eq!(scal_app::shares::watch(app.app(), now).await.unwrap(), 0, "told once");
    let riverside = app.token_for(EUO).await;
    let meadow = app.token_for("it@meadow.example").await;
    for token in [&riverside, &meadow] {
        let told = notifications(&app, token).await;
        assert_eq!(
            told.iter().filter(|m| m.contains("is now suspended")).count(),
            1,
            "{told:?}"
        );
    }
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/shares/{second_id}/local-assurance/decision"),
            Some(&meadow),
            Some(json!({"decision": "approved", "decided_on": now.date().to_string()})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["blockers"]
            .to_string()
            .contains("certificate is suspended"),
        "{body}"
    );
    // Nor does a deployment's go-live date move while the certificate is suspended.
    let (status, body) = app
        .api(
            Method::PUT,
            &format!("/api/v1/shares/{first_id}/local-assurance/go-live"),
            Some(&riverside),
            Some(json!({"go_live_on": (now + time::Duration::days(5)).date().to_string()})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("blocked")),
        "{body}"
    );
    let (_, share) = app
        .api(
            Method::GET,
            &format!("/api/v1/shares/{first_id}"),
            Some(&riverside),
            None,
        )
        .await;
    assert_eq!(share["certificate"]["status"], "suspended");
    assert_eq!(share["certificate"]["id"], certificate.as_str());

    // The supplier revokes the second share: every URL of it is then not found to the EUO, the
    // file it read a moment before included.
    let (status, _, bytes) = app
        .send(get_with_token(
            &format!("/api/v1/shares/{second_id}/files/{hazard_log}"),
            &meadow,
        ))
        .await;
    assert_eq!(
        (status, bytes.as_slice()),
        (StatusCode::OK, b"Hazard log: H1 wrong patient".as_slice())
    );
    let supplier = app.token_for(SUPPLIER).await;
    let (status, revoked) = app
        .api(
            Method::POST,
            &format!("/api/v1/shares/{second_id}/revoke"),
            Some(&supplier),
            Some(json!({"reason": "Contract ended"})),
        )
        .await;
    assert_eq!(
        (status, revoked["state"].as_str()),
        (StatusCode::OK, Some("revoked")),
        "{revoked}"
    );
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/shares/{second_id}/revoke"),
            Some(&supplier),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    for path in [
        format!("/api/v1/shares/{second_id}"),
        format!("/api/v1/shares/{second_id}/files/{hazard_log}"),
        format!("/api/v1/shares/{second_id}/scal"),
        format!("/api/v1/shares/{second_id}/workbook"),
        format!("/api/v1/shares/{second_id}/use-policy"),
        format!("/api/v1/shares/{second_id}/local-assurance"),
        format!("/api/v1/shares/{second_id}/local-assurance/files/hazard-log"),
    ] {
        let (status, _, _) = app.send(get_with_token(&path, &meadow)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (_, list) = app.api(Method::GET, "/api/v1/shares", Some(&meadow), None).await;
    assert_eq!(list, json!([]));
    // NHS England revokes the certificate: the EUO with an active share hears at once, with no
    // watch run; the revoked share's EUO hears nothing more.
    let reviewer = app.token_for(REVIEWER).await;
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/certificates/{certificate}/revoke"),
            Some(&reviewer),
            Some(json!({"reason": "Supplier withdrew the product"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let told = notifications(&app, &riverside).await;
    assert_eq!(
        told.iter().filter(|m| m.contains("is now revoked")).count(),
        1,
        "{told:?}"
    );
    assert!(!notifications(&app, &meadow).await.iter().any(|m| m.contains("revoked")));
    assert_eq!(
        scal_app::shares::watch(app.app(), app.now()).await.unwrap(),
        0,
        "already told"
    );
    for kind in [
        "share.created",
        "share.revoked",
        "use_policy.published",
        "local_assurance.decided",
    ] {
        assert!(audit_count(&app, kind).await >= 1, "{kind} audited");
    }
    assert_eq!(audit_count(&app, "use_policy.acknowledged").await, 2);
}

#[tokio::test]
async fn a_share_ends_after_its_expiry_day_and_the_cli_shares_by_ods_code() {
    let app = TestApp::demo().await;
    let (_, product, _) = certified(&app, 60).await;
    let supplier = app.token_for(SUPPLIER).await;
    let riverside = app.token_for(EUO).await;
    let expires = (app.now() + time::Duration::days(1)).date().to_string();
    let (status, share) = app
        .api(
            Method::POST,
            &format!("/api/v1/products/{product}/shares"),
            Some(&supplier),
            Some(json!({"euo_ods": "Y0R1V", "expires_on": expires})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{share}");
    let id = share["id"].as_str().unwrap();
    app.clock.advance(time::Duration::days(1));
    let riverside2 = app.token_for(EUO).await;
    let (status, _) = app
        .api(Method::GET, &format!("/api/v1/shares/{id}"), Some(&riverside2), None)
        .await;
    assert_eq!(status, StatusCode::OK, "still shared on its expiry day");
    app.clock.advance(time::Duration::days(1));
    let riverside3 = app.token_for(EUO).await;
    let (status, _) = app
        .api(Method::GET, &format!("/api/v1/shares/{id}"), Some(&riverside3), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "ended the day after");
    let (_, own) = app
        .api(
            Method::GET,
            &format!("/api/v1/shares/{id}"),
            Some(&app.token_for(SUPPLIER).await),
            None,
        )
        .await;
    assert_eq!(own["state"], "expired");
    drop((riverside, supplier));

    // The CLI shares again (an expired share does not block a new one).
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scal"))
        .arg("--data-dir")
        .arg(app.db.data_dir())
        .arg("--database-url")
        .arg(&app.db.url)
        .args(["share", "--product", &product, "--euo", "Y0R1V"])
        .env_remove("DATABASE_URL")
        .env("SCAL_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Riverside Health Centre"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scal"))
        .arg("--data-dir")
        .arg(app.db.data_dir())
        .arg("--database-url")
        .arg(&app.db.url)
        .args(["share", "--product", &product, "--euo", "8QW47"])
        .env_remove("DATABASE_URL")
        .env("SCAL_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an end user organisation"));
}
