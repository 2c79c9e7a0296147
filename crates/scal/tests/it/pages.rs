use axum::http::{header, Method, StatusCode};

use crate::support::{TestApp, PASSWORD};

#[tokio::test]
async fn signing_in_sets_a_hardened_session_cookie_and_signing_out_ends_it() {
    let app = TestApp::demo().await;
    let login = app.page(None, Method::GET, "/login", &[]).await;
    let pre = login.set_cookie("scal_csrf").unwrap();
    let session = crate::support::Session {
        cookie: format!("scal_csrf={pre}"),
        csrf: login.csrf().unwrap(),
    };
    let response = app
        .page(
            Some(&session),
            Method::POST,
            "/login",
            &[
                ("email", "Admin@Acme.example"),
                ("password", PASSWORD),
                ("next", "/products"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.location(), Some("/products"));
    let raw = response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("scal_session="))
        .unwrap();
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(raw.contains(attribute), "{raw}");
    }

    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let home = app.page(Some(&session), Method::GET, "/", &[]).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("Acme Health Systems"));
    let out = app.page(Some(&session), Method::POST, "/logout", &[]).await;
    assert_eq!(out.location(), Some("/login"));
    let after = app.page(Some(&session), Method::GET, "/", &[]).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the old cookie no longer works");
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::demo().await;
    let unknown = app.sign_in("nobody@acme.example", PASSWORD).await.unwrap_err();
    let wrong = app.sign_in("admin@acme.example", "not the password").await.unwrap_err();
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = |html: &str| {
        html.split("nhsuk-error-summary__list")
            .nth(1)
            .map(|s| s[..s.find("</ul>").unwrap()].to_string())
    };
    assert_eq!(message(&unknown.html), message(&wrong.html));
    assert!(unknown.html.contains("Enter a correct email address and password"));
    assert!(
        unknown.html.contains("<title>Error: Sign in"),
        "the title announces the error"
    );
}

#[tokio::test]
async fn five_failures_in_fifteen_minutes_lock_the_account_for_a_while() {
    let app = TestApp::demo().await;
    for _ in 0..5 {
        assert_eq!(
            app.sign_in("admin@acme.example", "wrong password!")
                .await
                .unwrap_err()
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        app.clock.advance(time::Duration::minutes(1));
    }
    let locked = app.sign_in("admin@acme.example", PASSWORD).await.unwrap_err();
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password is refused"
    );
    let retry: u64 = locked.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    assert!(
        app.sign_in("dev@acme.example", PASSWORD).await.is_ok(),
        "other accounts are unaffected"
    );

    app.clock
        .advance(time::Duration::seconds(i64::try_from(retry).unwrap()));
    assert!(
        app.sign_in("admin@acme.example", PASSWORD).await.is_ok(),
        "the lock lifts when the window passes"
    );
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused_and_nothing_changes() {
    let app = TestApp::demo().await;
    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let forged = app
        .page(
            Some(&session),
            Method::POST,
            "/products",
            &[("name", "Forged"), ("version", "1"), ("_csrf", "attacker-guess")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let missing = app
        .page(
            None,
            Method::POST,
            "/login",
            &[("email", "admin@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        missing.status,
        StatusCode::FORBIDDEN,
        "sign-in needs its pre-session token too"
    );
    let products = scal_store::records::products::list(app.app().store.pool(), None)
        .await
        .unwrap();
    assert!(products.iter().all(|p| p.details.name != "Forged"));
}

#[tokio::test]
async fn an_invalid_product_form_shows_an_error_summary_and_field_errors_then_saves_when_fixed() {
    let app = TestApp::demo().await;
    let session = app.sign_in("dev@acme.example", PASSWORD).await.unwrap();
    let page = app
        .page(
            Some(&session),
            Method::POST,
            "/products",
            &[("name", " "), ("version", ""), ("medical_device_class", "IV")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("There is a problem"));
    for (field, message) in [
        ("name", "Enter the product name"),
        ("version", "Enter the product version"),
        ("medical_device_class", "Medical device class must be"),
    ] {
        assert!(
            page.html.contains(&format!("href=\"#{field}\"")),
            "summary links to {field}"
        );
        assert!(
            page.html.contains(&format!("id=\"{field}-error\"")),
            "field error for {field}"
        );
        assert!(page.html.contains(message), "{message}");
    }
    let saved = app
        .page(
            Some(&session),
            Method::POST,
            "/products",
            &[
                ("name", "Acme Portal"),
                ("version", "2.0"),
                ("medical_device_class", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let shown = app
        .page(Some(&session), Method::GET, saved.location().unwrap(), &[])
        .await;
    assert!(shown.html.contains("Acme Portal 2.0"));
    assert!(shown.html.contains("Not a medical device"));
}

#[tokio::test]
async fn malformed_ods_and_duplicate_email_are_field_errors_in_the_ui() {
    let app = TestApp::demo().await;
    let session = app.sign_in("admin@nhse.example", PASSWORD).await.unwrap();
    let page = app
        .page(
            Some(&session),
            Method::POST,
            "/organisations",
            &[("ods_code", "TOO-LONG-CODE"), ("name", "X"), ("kind", "supplier")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("id=\"ods_code-error\""));
    let acme = app.org_id("8JK21").await;
    let page = app
        .page(
            Some(&session),
            Method::POST,
            &format!("/organisations/{acme}/users"),
            &[
                ("email", "dev@acme.example"),
                ("name", "Dup"),
                ("role", "supplier_member"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("A user with this email address already exists"));
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in_and_brought_back() {
    let app = TestApp::demo().await;
    let page = app.page(None, Method::GET, "/products?x=1", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), Some("/login?next=%2Fproducts%3Fx%3D1"));
    let login = app.page(None, Method::GET, "/login?next=//evil.example/", &[]).await;
    assert!(
        login.html.contains("name=\"next\" value=\"/\""),
        "off-site next is dropped"
    );
}

#[tokio::test]
async fn unknown_pages_get_a_404_page() {
    let app = TestApp::demo().await;
    let page = app.page(None, Method::GET, "/no/such/page", &[]).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.html.contains("Page not found"));
    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let page = app
        .page(
            Some(&session),
            Method::GET,
            "/products/00000000-0000-0000-0000-000000000000",
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_api_token_made_in_the_ui_works_on_the_api() {
    let app = TestApp::demo().await;
    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let page = app
        .page(Some(&session), Method::POST, "/tokens", &[("name", "Build server")])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let start = page.html.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let secret = &page.html[start..start + page.html[start..].find('<').unwrap()];
    let (status, me) = app.api(Method::GET, "/api/v1/me", Some(secret), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["email"], "admin@acme.example");
    let list = app.page(Some(&session), Method::GET, "/tokens", &[]).await;
    assert!(!list.html.contains(secret), "the secret is shown once only");
}

#[tokio::test]
async fn cookies_are_secure_when_configured() {
    let app = TestApp::demo_with(scal_web::WebSettings {
        cookie_secure: true,
        ..Default::default()
    })
    .await;
    let login = app.page(None, Method::GET, "/login", &[]).await;
    let pre = login
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(pre.ends_with("; Secure"), "{pre}");
    let session = crate::support::Session {
        cookie: format!("__Host-scal_csrf={}", login.set_cookie("__Host-scal_csrf").unwrap()),
        csrf: login.csrf().unwrap(),
    };
    let response = app
        .page(
            Some(&session),
            Method::POST,
            "/login",
            &[("email", "admin@acme.example"), ("password", PASSWORD)],
        )
        .await;
    let cookies: Vec<String> = response
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("__Host-scal_session=") && c.contains("; Secure")),
        "{cookies:?}"
    );
}

#[tokio::test]
async fn an_oversized_form_gets_413_and_changes_nothing() {
    let app = TestApp::demo().await;
    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let huge = "x".repeat(2 * 1024 * 1024);
    let page = app
        .page(
            Some(&session),
            Method::POST,
            "/products",
            &[("name", &huge), ("version", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.html.contains("The form is too large"));
}

#[tokio::test]
async fn the_audit_page_filters_by_kind_and_reports_bad_dates() {
    let app = TestApp::demo().await;
    let session = app.sign_in("admin@nhse.example", PASSWORD).await.unwrap();
    let page = app
        .page(
            Some(&session),
            Method::GET,
            "/audit?kind=service.created&organisation_id=&user_id=&from=&to=",
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.html.matches("<code>service.created</code>").count(),
        5,
        "the five demo services"
    );
    assert!(!page.html.contains("<code>product.created</code>"));
    let page = app
        .page(Some(&session), Method::GET, "/audit?from=24/11/2026", &[])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("Enter a real date in the format YYYY-MM-DD"));
}

#[tokio::test]
async fn sign_in_never_redirects_off_site() {
    let app = TestApp::demo().await;
    for next in [
        "//evil.example/",
        "/\t/evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "/%0A/evil",
    ] {
        let login = app
            .page(
                None,
                Method::GET,
                &format!("/login?next={}", urlencoding::encode(next)),
                &[],
            )
            .await;
        assert!(
            login.html.contains("name=\"next\" value=\"/\"") || next == "/%0A/evil",
            "{next}"
        );
        let pre = login.set_cookie("scal_csrf").unwrap();
        let session = crate::support::Session {
            cookie: format!("scal_csrf={pre}"),
            csrf: login.csrf().unwrap(),
        };
        let response = app
            .page(
                Some(&session),
                Method::POST,
                "/login",
                &[("email", "admin@acme.example"), ("password", PASSWORD), ("next", next)],
            )
            .await;
        let location = response.location().unwrap_or_default().to_string();
        assert!(
            location == "/" || location == "/%0A/evil",
            "{next:?} redirected to {location:?}"
        );
    }
}

#[tokio::test]
async fn parallel_guesses_cannot_beat_the_throttle_and_email_variants_share_it() {
    let app = TestApp::demo().await;
    let login = app.page(None, Method::GET, "/login", &[]).await;
    let session = crate::support::Session {
        cookie: format!("scal_csrf={}", login.set_cookie("scal_csrf").unwrap()),
        csrf: login.csrf().unwrap(),
    };
    let emails = ["admin@acme.example", " ADMIN@Acme.example ", "Admin@ACME.example"];
    let guesses = (0..12).map(|i| {
        let (app, session) = (&app, &session);
        async move {
            app.page(
                Some(session),
                Method::POST,
                "/login",
                &[("email", emails[i % 3]), ("password", "wrong password!")],
            )
            .await
            .status
        }
    });
    let statuses = futures_join_all(guesses).await;
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((refused, throttled), (5, 7), "{statuses:?}");
}

/// Runs futures concurrently on this task (no extra dependency).
async fn futures_join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let handles: Vec<_> = futures.map(Box::pin).collect();
    let mut outputs = Vec::new();
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (i, slot) in pending.iter_mut().enumerate() {
            if let Some(future) = slot {
                if let std::task::Poll::Ready(out) = future.as_mut().poll(cx) {
                    results[i] = Some(out);
                    *slot = None;
                }
            }
        }
        if pending.iter().all(Option::is_none) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.extend(results.into_iter().flatten());
    outputs
}

#[tokio::test]
async fn pages_are_never_cached_and_a_wrong_method_is_a_page() {
    let app = TestApp::demo().await;
    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let page = app.page(Some(&session), Method::GET, "/tokens", &[]).await;
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    let page = app.page(Some(&session), Method::POST, "/products/new", &[]).await;
    assert_eq!(page.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(page.html.contains("This page cannot do that"));
}
