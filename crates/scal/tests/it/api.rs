use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;

use crate::support::TestApp;
use scal_web::WebSettings;

#[tokio::test]
async fn a_supplier_creates_reads_and_updates_a_product_in_their_own_organisation() {
    let app = TestApp::demo().await;
    let token = app.token_for("dev@acme.example").await;
    let acme = app.org_id("8JK21").await;

    let (status, created) = app
        .api(
            Method::POST,
            "/api/v1/products",
            Some(&token),
            Some(json!({"name": "Acme Scheduler", "version": "0.9"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().expect("id").to_string();
    assert_eq!(created["organisation_id"], acme.as_str());
    assert_eq!(created["medical_device_class"], json!(null));

    // The API takes a class exactly as the document lists it (the pages forgive case).
    for loose in ["iia", "", "none"] {
        let (status, refused) = app
            .api(
                Method::PATCH,
                &format!("/api/v1/products/{id}"),
                Some(&token),
                Some(json!({"medical_device_class": loose})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{loose}: {refused}");
        assert_eq!(refused["error"]["field"], "medical_device_class");
    }
    let (status, patched) = app
        .api(
            Method::PATCH,
            &format!("/api/v1/products/{id}"),
            Some(&token),
            Some(json!({"medical_device_class": "IIa"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["medical_device_class"], "IIa");
    assert_eq!(patched["name"], "Acme Scheduler", "fields not sent keep their value");

    let (status, fetched) = app
        .api(Method::GET, &format!("/api/v1/products/{id}"), Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, patched);

    let (_, list) = app.api(Method::GET, "/api/v1/products", Some(&token), None).await;
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Acme PAS", "Acme Referrals", "Acme Scheduler"],
        "only Acme's products, by name"
    );
}

#[tokio::test]
async fn missing_and_invalid_fields_are_422_naming_the_field() {
    let app = TestApp::demo().await;
    let supplier = app.token_for("admin@acme.example").await;
    let nhse = app.token_for("admin@nhse.example").await;
    let acme = app.org_id("8JK21").await;

    let cases = [
        (&supplier, "/api/v1/products", json!({"version": "1"}), "name"),
        (
            &supplier,
            "/api/v1/products",
            json!({"name": "X", "version": "1", "medical_device_class": "IV"}),
            "medical_device_class",
        ),
        (
            &supplier,
            "/api/v1/products",
            json!({"name": "Acme PAS", "version": "4.2"}),
            "version",
        ),
        (
            &nhse,
            "/api/v1/organisations",
            json!({"ods_code": "8KM-90", "name": "Bad", "kind": "supplier"}),
            "ods_code",
        ),
        (
            &nhse,
            "/api/v1/organisations",
            json!({"ods_code": "8jk21", "name": "Copy", "kind": "supplier"}),
            "ods_code",
        ),
        (
            &nhse,
            "/api/v1/organisations",
            json!({"ods_code": "8AB12", "name": "X", "kind": "hospital"}),
            "kind",
        ),
        (
            &nhse,
            &format!("/api/v1/organisations/{acme}/users"),
            json!({"email": "DEV@acme.example", "name": "Dup", "role": "supplier_member"}),
            "email",
        ),
        (
            &nhse,
            &format!("/api/v1/organisations/{acme}/users"),
            json!({"email": "new@acme.example", "name": "N", "role": "nhse_admin"}),
            "role",
        ),
        (
            &nhse,
            &format!("/api/v1/organisations/{acme}/users"),
            json!({"email": "new@acme.example", "name": "N", "role": "supplier_member", "password": "short"}),
            "password",
        ),
        (
            &nhse,
            "/api/v1/services",
            json!({"code": "PDS-FHIR", "name": "Again", "network": "internet", "onboarding_route": "scal"}),
            "code",
        ),
        (
            &nhse,
            "/api/v1/services",
            json!({"code": "NEW-API", "name": "New", "network": "wifi", "onboarding_route": "scal"}),
            "network",
        ),
    ];
    for (token, path, body, field) in cases {
        let (status, error) = app.api(Method::POST, path, Some(token), Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path} {body}: {error}");
        assert_eq!(error["error"]["code"], "invalid", "{error}");
        assert_eq!(error["error"]["field"], field, "{path} {body}: {error}");
        assert!(!error["error"]["message"].as_str().unwrap_or_default().is_empty());
    }
    let (_, orgs) = app.api(Method::GET, "/api/v1/organisations", Some(&nhse), None).await;
    assert_eq!(orgs.as_array().unwrap().len(), 4, "nothing was half-written");
}

#[tokio::test]
async fn malformed_bodies_get_the_same_error_shape() {
    let app = TestApp::demo().await;
    let token = app.token_for("admin@acme.example").await;
    let send = |content_type: &'static str, body: Vec<u8>| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/products")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap()
    };
    for (request, status, code) in [
        (
            send("application/json", b"{not json".to_vec()),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            send("text/plain", b"{}".to_vec()),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            send("application/json", br#"{"name": 5, "version": "1"}"#.to_vec()),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            send(
                "application/json",
                format!(r#"{{"name":"{}","version":"1"}}"#, "x".repeat(2 * 1024 * 1024)).into_bytes(),
            ),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ] {
        let (got, _, body) = app.send(request).await;
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON error body");
        assert_eq!(got, status, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
    }
}

#[tokio::test]
async fn anonymous_and_bad_tokens_get_401_and_unknown_routes_404_json() {
    let app = TestApp::demo().await;
    for token in [None, Some("scal_0000"), Some("not-a-scal-token")] {
        let (status, body) = app.api(Method::GET, "/api/v1/products", token, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"]["code"], "unauthenticated");
    }
    let token = app.token_for("admin@acme.example").await;
    let (status, body) = app.api(Method::GET, "/api/v1/no-such-thing", Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn tokens_are_shown_once_listed_without_secret_and_stop_working_when_revoked() {
    let app = TestApp::demo().await;
    let first = app.token_for("admin@acme.example").await;
    let (status, created) = app
        .api(
            Method::POST,
            "/api/v1/tokens",
            Some(&first),
            Some(json!({"name": "CI"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("scal_"));
    let id = created["token"]["id"].as_str().unwrap().to_string();

    let (_, list) = app.api(Method::GET, "/api/v1/tokens", Some(&secret), None).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains(&secret[8..]), "secrets are never listed");

    let (status, _) = app
        .api(Method::DELETE, &format!("/api/v1/tokens/{id}"), Some(&first), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.api(Method::GET, "/api/v1/products", Some(&secret), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked token is refused");
    let (status, _) = app.api(Method::GET, "/api/v1/products", Some(&first), None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn deactivated_users_lose_api_access_and_cannot_deactivate_themselves() {
    let app = TestApp::demo().await;
    let admin = app.token_for("admin@acme.example").await;
    let member = app.token_for("dev@acme.example").await;
    let member_id = app.user_id("dev@acme.example").await;
    let admin_id = app.user_id("admin@acme.example").await;

    let (status, body) = app
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{admin_id}"),
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "active");

    let (status, body) = app
        .api(
            Method::PATCH,
            &format!("/api/v1/users/{member_id}"),
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["active"], false);
    let (status, _) = app.api(Method::GET, "/api/v1/me", Some(&member), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_created_user_without_password_gets_one_generated_and_can_sign_in() {
    let app = TestApp::demo().await;
    let admin = app.token_for("admin@acme.example").await;
    let acme = app.org_id("8JK21").await;
    let (status, body) = app
        .api(
            Method::POST,
            &format!("/api/v1/organisations/{acme}/users"),
            Some(&admin),
            Some(json!({"email": " New.Person@Acme.example ", "name": "New Person", "role": "supplier_member"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["user"]["email"], "new.person@acme.example");
    let password = body["generated_password"]
        .as_str()
        .expect("generated password")
        .to_string();
    assert!(app.sign_in("new.person@acme.example", &password).await.is_ok());
}

#[tokio::test]
async fn operations_endpoints_report_health_readiness_and_metrics_to_the_token_holder() {
    let app = TestApp::demo_with(WebSettings {
        metrics_token: Some(scal_web::MetricsToken::new("a-metrics-token")),
        ..WebSettings::default()
    })
    .await;
    let get = |path: &str| Request::builder().uri(path).body(Body::empty()).unwrap();
    let scrape = |token: &str| {
        Request::builder()
            .uri("/metrics")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap()
    };
    // The whole lifecycle, and a month on, so the round in review is overdue.
    scal_app::demo::seed_journeys(app.app(), app.now()).await.unwrap();
    app.clock.advance(time::Duration::days(30));
    let runs = scal_app::jobs::run_due(app.app(), "test", app.now()).await.unwrap();
    assert!(!runs.is_empty());
    let (status, _, body) = app.send(get("/healthz")).await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, b"ok".as_slice()));
    let (status, _, _) = app.send(get("/readyz")).await;
    assert_eq!(status, StatusCode::OK);
    app.api(Method::GET, "/api/v1/products", None, None).await;
    let token = app.token_for("admin@acme.example").await;
    let id = app.product_id("Acme PAS").await;
    app.api(Method::GET, &format!("/api/v1/products/{id}"), Some(&token), None)
        .await;

    let (status, headers, _) = app.send(get("/metrics")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no token");
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    let (status, _, _) = app.send(scrape("a-metrics-tokeN")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a wrong token");
    let (status, _, _) = app.send(scrape(&token)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "an API token is not the metrics token"
    );

    let (status, headers, body) = app.send(scrape("a-metrics-token")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = String::from_utf8(body).unwrap();
    assert!(
        text.contains(r#"scal_http_requests_total{method="GET",route="/api/v1/products",status="401"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/v1/products/{id}",status="200"} 1"#),
        "route patterns, not raw IDs: {text}"
    );
    assert!(text.contains(
        "scal_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/products/{id}\",le=\"+Inf\"} 1"
    ));
    // The figures people run the service by, from the database.
    let value = |series: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
            .unwrap_or_else(|| panic!("{series} in {text}"))
            .parse()
            .unwrap()
    };
    let system = scal_app::Actor::System;
    let mut expected: std::collections::BTreeMap<&str, f64> = std::collections::BTreeMap::new();
    for product in scal_app::products::list(app.app(), &system).await.unwrap() {
        if let Some(scal) = scal_store::records::scals::scal_for_product(app.app().store.pool(), &product.id)
            .await
            .unwrap()
        {
            let (view, cases) = scal_app::cases::cases(app.app(), &system, &scal, app.now())
                .await
                .unwrap();
            *expected
                .entry(scal_app::cases::status(&view, &cases).code())
                .or_default() += 1.0;
        }
    }
    assert!(expected.len() >= 3, "the demo shows several stages: {expected:?}");
    for code in scal_domain::status::ScalStatus::CODES {
        let shown = value(&format!("scal_scals{{status=\"{code}\"}}"));
        assert_eq!(shown, expected.get(code).copied().unwrap_or(0.0), "{code}");
    }
    assert_eq!(value("scal_review_rounds{status=\"submitted\"}"), 1.0, "{text}");
    assert_eq!(value("scal_reviews_overdue"), 1.0, "Brightwater EPR, a month on");
    assert_eq!(value("scal_outbox_failed"), 0.0);
    assert!(
        value("scal_outbox_waiting") >= 1.0,
        "the demo's emails, with no mail server"
    );
    assert_eq!(value("scal_db_max_connections"), 5.0);
    assert!(text.contains("scal_db_connections{state=\"idle\"}"), "{text}");
    for run in &runs {
        assert_eq!(
            value(&format!("scal_job_last_run_succeeded{{job=\"{}\"}}", run.job)),
            1.0
        );
        assert!(value(&format!("scal_job_seconds_since_run{{job=\"{}\"}}", run.job)) < 60.0);
    }

    app.app().store.close().await;
    let (status, _, _) = app.send(get("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "not ready without a database");
}

#[tokio::test]
async fn metrics_are_not_served_on_the_public_router_without_a_token() {
    let app = TestApp::empty().await;
    let unknown = app
        .send(Request::builder().uri("/no-such-page").body(Body::empty()).unwrap())
        .await;
    let metrics = app
        .send(Request::builder().uri("/metrics").body(Body::empty()).unwrap())
        .await;
    assert_eq!(metrics.0, StatusCode::NOT_FOUND);
    assert_eq!(metrics.2, unknown.2, "like any unknown page");
    let (status, _, _) = app
        .send(Request::builder().uri("/healthz").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK, "health stays public");
}

#[tokio::test]
async fn control_characters_and_malformed_ids_are_refused_cleanly_on_every_database() {
    let app = TestApp::demo().await;
    let token = app.token_for("admin@acme.example").await;
    let (status, body) = app
        .api(
            Method::POST,
            "/api/v1/products",
            Some(&token),
            Some(json!({"name": "Bad\u{0}Name", "version": "1"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "name");
    for path in [
        "/api/v1/products/%00",
        "/api/v1/products/not-an-id",
        "/api/v1/users/%00",
        "/api/v1/organisations/x%00y",
        "/api/v1/services/%00",
    ] {
        let (status, body) = app.api(Method::GET, path, Some(&token), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let failed = app
        .sign_in("admin\u{0}@acme.example", "whatever password")
        .await
        .unwrap_err();
    assert_eq!(failed.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn deactivating_a_user_revokes_their_tokens_for_good() {
    let app = TestApp::demo().await;
    let admin = app.token_for("admin@acme.example").await;
    let member = app.token_for("dev@acme.example").await;
    let member_id = app.user_id("dev@acme.example").await;
    let path = format!("/api/v1/users/{member_id}");
    app.api(Method::PATCH, &path, Some(&admin), Some(json!({"active": false})))
        .await;
    let (status, body) = app
        .api(Method::PATCH, &path, Some(&admin), Some(json!({"active": true})))
        .await;
    assert_eq!((status, body["active"].clone()), (StatusCode::OK, json!(true)));
    let (status, _) = app.api(Method::GET, "/api/v1/me", Some(&member), None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "old tokens stay revoked after reactivation"
    );
    let nhse = app.token_for("admin@nhse.example").await;
    let (_, log) = app
        .api(Method::GET, "/api/v1/audit?kind=token.revoked", Some(&nhse), None)
        .await;
    assert_eq!(log.as_array().unwrap().len(), 1, "the revocation is audited");
}

#[tokio::test]
async fn wrong_methods_and_lower_case_bearer_follow_the_api_conventions() {
    let app = TestApp::demo().await;
    let token = app.token_for("admin@acme.example").await;
    let (status, body) = app.api(Method::PUT, "/api/v1/products", Some(&token), None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"]["code"], "method_not_allowed");
    let request = Request::builder()
        .uri("/api/v1/me")
        .header(header::AUTHORIZATION, format!("bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let (status, _, _) = app.send(request).await;
    assert_eq!(status, StatusCode::OK, "the auth scheme is case-insensitive");
}

/// PATCH means the same on every resource: an absent field is unchanged, so `{}` changes
/// nothing (and writes no audit entry), while who may patch is still checked.
#[tokio::test]
async fn an_empty_patch_changes_nothing_on_organisations_as_on_products() {
    let app = TestApp::demo().await;
    let nhse = app.token_for("admin@nhse.example").await;
    let supplier = app.token_for("admin@acme.example").await;
    let acme = app.org_id("8JK21").await;
    let path = format!("/api/v1/organisations/{acme}");
    let before = crate::support::audit_count(&app, "organisation.updated").await;
    let (status, org) = app.api(Method::PATCH, &path, Some(&nhse), Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{org}");
    assert_eq!(org["name"], "Acme Health Systems");
    assert_eq!(crate::support::audit_count(&app, "organisation.updated").await, before);
    let (status, _) = app.api(Method::PATCH, &path, Some(&supplier), Some(json!({}))).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a supplier still may not edit its organisation"
    );
    let (status, body) = app
        .api(Method::PATCH, &path, Some(&nhse), Some(json!({"name": " "})))
        .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("name"))
    );
    let product = app.product_id("Acme PAS").await;
    let (status, _) = app
        .api(
            Method::PATCH,
            &format!("/api/v1/products/{product}"),
            Some(&supplier),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// Every body the API takes is a JSON object: serde would read a struct from an array (fields by
/// position), so `["x"]` once created a token named "x".
#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_the_wrong_shape() {
    let app = TestApp::demo().await;
    let token = app.token_for("admin@acme.example").await;
    let before = crate::support::audit_count(&app, "token.created").await;
    for body in [json!(["via an array"]), json!("a string"), json!(7)] {
        let (status, error) = app
            .api(Method::POST, "/api/v1/tokens", Some(&token), Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(error["error"]["code"], "invalid");
        // Every field of a response is sent, null or empty when it has no value (the document
        // lists them all as required).
        let detail = error["error"].as_object().unwrap();
        for key in ["code", "message", "field", "fields", "blockers"] {
            assert!(detail.contains_key(key), "{key} in {error}");
        }
    }
    assert_eq!(crate::support::audit_count(&app, "token.created").await, before);
    let (status, _) = app
        .api(
            Method::POST,
            "/api/v1/tokens",
            Some(&token),
            Some(json!({"name": "as an object"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

/// A NUL in a value that is only looked up (an email address, an audit filter) never reaches the
/// database as typed: PostgreSQL refuses it with an error that was a 500.
#[tokio::test]
async fn a_nul_in_a_looked_up_value_is_refused_not_a_server_error() {
    let app = TestApp::demo().await;
    let nhse = app.token_for("admin@nhse.example").await;
    let (status, body) = app
        .api(
            Method::POST,
            "/api/v1/services/GPC-SEND-DOC/reviewers",
            Some(&nhse),
            Some(json!({"email": "a\u{0}b@nhse.example"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "email");
    for query in ["kind=%00", "organisation_id=a%00", "user_id=%00"] {
        let (status, body) = app
            .api(Method::GET, &format!("/api/v1/audit?{query}"), Some(&nhse), None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
    }
}

/// The audit log's query parameters are what the document says: an ID is a UUID, the limit 1 to
/// 500 (refused outside, not quietly clamped), and a filter is left out rather than sent empty.
#[tokio::test]
async fn audit_filters_are_typed_and_bounded() {
    let app = TestApp::demo().await;
    let nhse = app.token_for("admin@nhse.example").await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("user_id=", "user_id"),
        ("from=", "from"),
        ("organisation_id=not-an-id", "organisation_id"),
    ] {
        let (status, body) = app
            .api(Method::GET, &format!("/api/v1/audit?{query}"), Some(&nhse), None)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}");
    }
    let (status, entries) = app.api(Method::GET, "/api/v1/audit?limit=500", Some(&nhse), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!entries.as_array().unwrap().is_empty());
}

/// A submission is listed with one `id` (the round's), not two keys of the same name.
#[tokio::test]
async fn a_submission_has_one_id() {
    let app = TestApp::demo().await;
    crate::onboarding_pages::submitted_scal(&app).await;
    let nhse = app.token_for("admin@nhse.example").await;
    let request = axum::http::Request::builder()
        .uri("/api/v1/submissions")
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {nhse}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, _, bytes) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes).unwrap();
    let list: serde_json::Value = serde_json::from_str(&text).unwrap();
    let count = list.as_array().unwrap().len();
    assert!(count > 0);
    assert_eq!(text.matches("\"id\":").count(), count, "{text}");
}

#[tokio::test]
async fn submissions_come_a_page_at_a_time_and_a_supplier_pages_only_through_its_own() {
    let app = TestApp::demo().await;
    scal_app::demo::seed_journeys(app.app(), app.now()).await.unwrap();
    let reviewer = app.token_for("reviewer@nhse.example").await;
    let supplier = app.token_for("admin@brightwater.example").await;
    let ids = |list: &serde_json::Value| -> Vec<String> {
        list.as_array()
            .unwrap_or_else(|| panic!("a list: {list}"))
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    // Walks the list one page of `size` at a time, to the empty page after the last.
    let walk = |token: String, filter: &'static str, size: usize| {
        let app = &app;
        async move {
            let mut seen = Vec::new();
            let mut after = String::new();
            loop {
                let (status, page) = app
                    .api(
                        Method::GET,
                        &format!("/api/v1/submissions?limit={size}{filter}{after}"),
                        Some(&token),
                        None,
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{page}");
                let page = ids(&page);
                assert!(page.len() <= size, "{page:?}");
                let Some(last) = page.last() else { break };
                after = format!("&after={last}");
                seen.extend(page);
                assert!(seen.len() <= 100, "a walk that never ends: {seen:?}");
            }
            seen
        }
    };
    let (_, everything) = app
        .api(Method::GET, "/api/v1/submissions?limit=500", Some(&reviewer), None)
        .await;
    let everything = ids(&everything);
    assert!(everything.len() >= 2, "the demo's rounds: {everything:?}");
    assert_eq!(walk(reviewer.clone(), "", 1).await, everything, "one at a time");
    assert_eq!(walk(reviewer.clone(), "", 2).await, everything, "two at a time");
    let (_, default) = app.api(Method::GET, "/api/v1/submissions", Some(&reviewer), None).await;
    assert_eq!(ids(&default), everything, "fewer than a default page");

    // The demo's rounds are all Brightwater's: Acme sees none of them.
    let (_, mine) = app
        .api(Method::GET, "/api/v1/submissions?limit=500", Some(&supplier), None)
        .await;
    assert_eq!(ids(&mine), everything);
    assert_eq!(walk(supplier.clone(), "", 1).await, everything);
    let other = app.token_for("admin@acme.example").await;
    let (_, none) = app.api(Method::GET, "/api/v1/submissions", Some(&other), None).await;
    assert_eq!(ids(&none), Vec::<String>::new());
    let (_, accepted) = app
        .api(
            Method::GET,
            "/api/v1/submissions?status=accepted&limit=500",
            Some(&reviewer),
            None,
        )
        .await;
    assert_eq!(walk(reviewer.clone(), "&status=accepted", 1).await, ids(&accepted));

    // Another supplier's round is no cursor for this one: the same answer as an unknown ID.
    let theirs = &everything[0];
    let refusal = |after: String| {
        let app = &app;
        let supplier = other.clone();
        async move {
            app.api(
                Method::GET,
                &format!("/api/v1/submissions?after={after}"),
                Some(&supplier),
                None,
            )
            .await
        }
    };
    let (status, other) = refusal(theirs.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{other}");
    let (status, unknown) = refusal("00000000-0000-4000-8000-000000000000".to_string()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(other, unknown);
    for limit in ["0", "501", "-1"] {
        let (status, error) = app
            .api(
                Method::GET,
                &format!("/api/v1/submissions?limit={limit}"),
                Some(&reviewer),
                None,
            )
            .await;
        assert_eq!(
            (status, error["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("limit")),
            "{limit}: {error}"
        );
    }
}

#[tokio::test]
async fn a_failing_read_of_the_assurance_figures_is_retried_once_a_minute_not_at_every_scrape() {
    let app = TestApp::demo_with(WebSettings {
        metrics_token: Some(scal_web::MetricsToken::new("a-metrics-token")),
        ..WebSettings::default()
    })
    .await;
    let scrape = || {
        let app = &app;
        async move {
            let (status, _, body) = app
                .send(
                    Request::builder()
                        .uri("/metrics")
                        .header(header::AUTHORIZATION, "Bearer a-metrics-token")
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "a failing read never fails a scrape");
            String::from_utf8(body).unwrap()
        }
    };
    app.app().store.close().await;
    let mut text = String::new();
    for _ in 0..3 {
        text = scrape().await;
        // Give a background read, if one were started, time to finish.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(
        text.lines().any(|l| l == "scal_figures_errors_total 1"),
        "one failed read for three scrapes: {text}"
    );
    assert!(!text.contains("scal_scals{"), "no figures to show: {text}");
}

/// Lists of many SCALs (the dashboard, an uplift's affected SCALs, the figures) derive each
/// status from `cases::overview`, which reads only the information sheet: it must agree with the
/// full derivation every SCAL page uses, for every SCAL of the demo's whole lifecycle, today and
/// a month on (when a review is overdue and dates have passed).
#[tokio::test]
async fn the_overview_of_a_scal_agrees_with_its_full_view() {
    let app = TestApp::demo().await;
    scal_app::demo::seed_journeys(app.app(), app.now()).await.unwrap();
    let system = scal_app::Actor::System;
    let scals = scal_store::records::scals::all_ids(app.app().store.pool())
        .await
        .unwrap();
    assert!(scals.len() >= 3, "{scals:?}");
    let mut seen = std::collections::BTreeSet::new();
    for later in [0, 30] {
        let now = app.now() + time::Duration::days(later);
        for scal in &scals {
            let (view, cases) = scal_app::cases::cases(app.app(), &system, scal, now).await.unwrap();
            let overview = scal_app::cases::overview(app.app(), &system, scal, now).await.unwrap();
            let full = scal_app::cases::status(&view, &cases);
            assert_eq!(overview.status, full, "{scal} on day +{later}");
            assert_eq!(overview.product, view.product);
            let shown = |cases: &[scal_app::cases::CaseView]| -> Vec<String> {
                cases
                    .iter()
                    .map(|c| format!("{} {} {:?} {:?}", c.id, c.service.code.as_str(), c.use_case, c.steps))
                    .collect()
            };
            assert_eq!(shown(&overview.cases), shown(&cases), "{scal}'s cases on day +{later}");
            seen.insert(full.code());
        }
    }
    assert!(seen.len() >= 3, "several stages: {seen:?}");
}
