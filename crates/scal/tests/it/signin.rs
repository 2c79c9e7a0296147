//! Sign-in throttling by account and client address, and security events in the audit log.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::Value;

use crate::support::{TestApp, PASSWORD};

/// Requests reach the app from 127.0.0.1 (see `support`); trusting it as a proxy lets a test
/// say which client each sign-in comes from with `X-Forwarded-For`.
fn behind_a_proxy() -> scal_web::WebSettings {
    scal_web::WebSettings {
        trusted_proxies: scal_web::client::parse_trusted_proxies("127.0.0.1").unwrap(),
        ..Default::default()
    }
}

/// Signs in through the form as a browser at `from` would (`None`: no forwarded-for header).
/// Returns the status and the session cookie when one was set.
async fn sign_in_from(app: &TestApp, email: &str, password: &str, from: Option<&str>) -> (StatusCode, Option<String>) {
    let login = app.page(None, Method::GET, "/login", &[]).await;
    let pre = login.set_cookie("scal_csrf").unwrap();
    let body = format!(
        "_csrf={}&email={}&password={}",
        login.csrf().unwrap(),
        urlencoding::encode(email),
        urlencoding::encode(password)
    );
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/login")
        .header(header::COOKIE, format!("scal_csrf={pre}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(from) = from {
        request = request.header("x-forwarded-for", from);
    }
    let (status, headers, _) = app.send(request.body(Body::from(body)).unwrap()).await;
    let session = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.strip_prefix("scal_session="))
        .find(|v| !v.is_empty())
        .map(str::to_string);
    (status, session)
}

#[tokio::test]
async fn five_failures_from_one_machine_do_not_lock_the_owner_out_of_their_own() {
    let app = TestApp::demo_with(behind_a_proxy()).await;
    let attacker = Some("203.0.113.66");
    for _ in 0..5 {
        let (status, _) = sign_in_from(&app, "reviewer@nhse.example", "not the password", attacker).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (refused, _) = sign_in_from(&app, "reviewer@nhse.example", PASSWORD, attacker).await;
    assert_eq!(
        refused,
        StatusCode::TOO_MANY_REQUESTS,
        "the guessing machine is refused, even with the right password"
    );
    let (owner, session) = sign_in_from(&app, "reviewer@nhse.example", PASSWORD, Some("198.51.100.10")).await;
    assert_eq!(owner, StatusCode::SEE_OTHER, "the owner at their own machine signs in");
    assert!(session.is_some());
}

#[tokio::test]
async fn a_client_that_does_not_come_through_a_trusted_proxy_cannot_choose_its_address() {
    // No trusted proxies: the forwarded-for header is the client's own claim, and ignored.
    let app = TestApp::demo().await;
    for i in 0..5 {
        let from = format!("192.0.2.{i}");
        let (status, _) = sign_in_from(&app, "reviewer@nhse.example", "not the password", Some(&from)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, _) = sign_in_from(&app, "reviewer@nhse.example", PASSWORD, Some("192.0.2.99")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn one_machine_trying_many_accounts_is_stopped_at_the_address_limit() {
    let app = TestApp::empty_with_settings(behind_a_proxy(), |s| s.throttle.per_client = 8).await;
    assert!(scal_app::demo::seed_if_empty(app.app(), app.now()).await.unwrap());
    let sprayer = Some("203.0.113.7");
    for i in 0..8 {
        let (status, _) = sign_in_from(&app, &format!("guess{i}@nhse.example"), "password123", sprayer).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {i}");
    }
    let (status, _) = sign_in_from(&app, "admin@nhse.example", PASSWORD, sprayer).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address has used its attempts"
    );
    let (status, _) = sign_in_from(&app, "admin@nhse.example", PASSWORD, Some("198.51.100.1")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "other addresses are unaffected");
}

#[tokio::test]
async fn many_machines_guessing_one_account_lock_out_strangers_but_not_the_owner_s_known_machine() {
    let app = TestApp::empty_with_settings(behind_a_proxy(), |s| s.throttle.per_account = 6).await;
    assert!(scal_app::demo::seed_if_empty(app.app(), app.now()).await.unwrap());
    let home = Some("198.51.100.20");
    let (status, _) = sign_in_from(&app, "admin@nhse.example", PASSWORD, home).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the owner signs in from home first");
    for i in 0..6 {
        let from = format!("203.0.113.{i}");
        let (status, _) = sign_in_from(&app, "admin@nhse.example", "guess", Some(&from)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {i}");
    }
    let (stranger, _) = sign_in_from(&app, "admin@nhse.example", PASSWORD, Some("203.0.113.200")).await;
    assert_eq!(stranger, StatusCode::TOO_MANY_REQUESTS, "a new address is refused");
    let (owner, _) = sign_in_from(&app, "admin@nhse.example", PASSWORD, home).await;
    assert_eq!(owner, StatusCode::SEE_OTHER, "the owner's known machine still gets in");
}

async fn audit_of_kind(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let (status, body) = app
        .api(Method::GET, &format!("/api/v1/audit?kind={kind}"), Some(token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body.as_array()
        .or_else(|| body["entries"].as_array())
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn sign_ins_failures_sign_outs_and_tokens_used_from_new_addresses_are_audited() {
    let app = TestApp::demo_with(behind_a_proxy()).await;
    let admin = app.token_for("admin@nhse.example").await;

    let (status, _) = sign_in_from(&app, "dev@acme.example", "wrong", Some("203.0.113.5")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = sign_in_from(&app, "nobody@acme.example", "my secret", Some("203.0.113.5")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, session) = sign_in_from(&app, "dev@acme.example", PASSWORD, Some("198.51.100.3")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let failed = audit_of_kind(&app, &admin, "session.sign_in_failed").await;
    assert_eq!(failed.len(), 2, "{failed:#?}");
    let dev = app.user_id("dev@acme.example").await;
    let wrong = failed.iter().find(|e| e["entity_id"] == dev.as_str()).unwrap();
    assert_eq!(wrong["after"]["reason"], "wrong password");
    assert_eq!(wrong["after"]["client"], "203.0.113.5");
    let unknown = failed.iter().find(|e| e["entity_id"] == "unknown account").unwrap();
    assert!(
        !unknown.to_string().contains("nobody@acme.example") && !unknown.to_string().contains("my secret"),
        "neither what was typed as the email nor the password is recorded: {unknown}"
    );

    let signed_in = audit_of_kind(&app, &admin, "session.signed_in").await;
    assert_eq!(signed_in.len(), 1);
    assert_eq!(signed_in[0]["actor"], "dev@acme.example");
    assert_eq!(signed_in[0]["after"]["client"], "198.51.100.3");

    // Signing out, with the session's own CSRF token.
    let cookie = format!("scal_session={}", session.unwrap());
    let home = app
        .page(
            Some(&crate::support::Session {
                cookie: cookie.clone(),
                csrf: String::new(),
            }),
            Method::GET,
            "/",
            &[],
        )
        .await;
    let out = app
        .page(
            Some(&crate::support::Session {
                cookie,
                csrf: home.csrf().unwrap(),
            }),
            Method::POST,
            "/logout",
            &[],
        )
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(audit_of_kind(&app, &admin, "session.signed_out").await.len(), 1);

    // A token's first use from each address is audited, once.
    let dev_token = app.token_for("dev@acme.example").await;
    let use_from = |from: &'static str| {
        let request = Request::builder()
            .uri("/api/v1/products")
            .header(header::AUTHORIZATION, format!("Bearer {dev_token}"))
            .header("x-forwarded-for", from)
            .body(Body::empty())
            .unwrap();
        app.send(request)
    };
    assert_eq!(use_from("198.51.100.3").await.0, StatusCode::OK);
    assert_eq!(use_from("198.51.100.3").await.0, StatusCode::OK);
    assert_eq!(use_from("192.0.2.44").await.0, StatusCode::OK);
    let new_addresses = audit_of_kind(&app, &admin, "token.used_from_new_address").await;
    let dev_uses: Vec<&Value> = new_addresses
        .iter()
        .filter(|e| e["actor"] == "dev@acme.example")
        .collect();
    let mut clients: Vec<&str> = dev_uses.iter().filter_map(|e| e["after"]["client"].as_str()).collect();
    clients.sort_unstable();
    assert_eq!(clients, vec!["192.0.2.44", "198.51.100.3"]);

    // One filter for every security event, and nothing else.
    let security = audit_of_kind(&app, &admin, "security").await;
    let kinds: std::collections::BTreeSet<&str> = security.iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        vec![
            "session.sign_in_failed",
            "session.signed_in",
            "session.signed_out",
            "token.created",
            "token.used_from_new_address"
        ]
    );
    let page = app
        .page(
            Some(&app.sign_in("admin@nhse.example", PASSWORD).await.unwrap()),
            Method::GET,
            "/audit?kind=security",
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Security events"), "the filter is offered");
    assert!(page.html.contains("token.used_from_new_address"));
}

#[tokio::test]
async fn attempts_refused_as_busy_do_not_count_towards_the_limit() {
    let app = TestApp::empty_with_settings(scal_web::WebSettings::default(), |s| {
        s.password_hashers = 1;
        s.busy_queue_wait = std::time::Duration::from_millis(20);
    })
    .await;
    assert!(scal_app::demo::seed_if_empty(app.app(), app.now()).await.unwrap());
    // Someone keeps the only password slot busy.
    let (release, wait) = std::sync::mpsc::channel::<()>();
    let gate = app.app().gates.password.clone();
    let holder = tokio::spawn(async move { gate.run(move || wait.recv().is_ok()).await });
    while app.app().gates.password.available() > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    for _ in 0..6 {
        let (status, _) = sign_in_from(&app, "reviewer@nhse.example", PASSWORD, None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }
    release.send(()).unwrap();
    holder.await.unwrap().unwrap();
    let (status, session) = sign_in_from(&app, "reviewer@nhse.example", PASSWORD, None).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the busy refusals were not counted as failures"
    );
    assert!(session.is_some());
}
