//! What every response carries (Content-Security-Policy, HSTS), cookie names with and without
//! `Secure`, and CSRF on uploads: the token in the form body only, checked before the handler,
//! and cross-site posts refused by the browser's own headers.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use scal_web::WebSettings;

use crate::support::{Page, Session, TestApp, PASSWORD};

/// Acme PAS with its SCAL issued, so its pages show the upload forms. Returns the product and
/// SCAL IDs.
async fn issued(app: &TestApp) -> (String, String) {
    let template = scal_app::templates::list(app.app(), &scal_app::Actor::System)
        .await
        .unwrap()[0]
        .0
        .id
        .clone();
    let product = app.product_id("Acme PAS").await;
    scal_app::scals::issue(
        app.app(),
        &scal_app::Actor::System,
        &product,
        &template,
        None,
        app.now(),
    )
    .await
    .unwrap();
    let sheets = scal_app::scals::sheets(app.app(), &scal_app::Actor::System, &product)
        .await
        .unwrap();
    let scal = sheets[0].record.scal_id.clone();
    (product, scal)
}

/// A multipart upload of `parts` (name, value) then a file, to `path`.
async fn upload(
    app: &TestApp,
    session: &Session,
    path: &str,
    parts: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> Page {
    let boundary = "scal-headers-boundary";
    let mut body = Vec::new();
    for (name, value) in parts {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"note.txt\"\r\n\
             Content-Type: text/plain\r\n\r\nThe hazard log is attached.\r\n--{boundary}--\r\n"
        )
        .as_bytes(),
    );
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::COOKIE, session.cookie.clone())
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let (status, headers, body) = app.send(request.body(Body::from(body)).unwrap()).await;
    Page {
        status,
        headers,
        html: String::from_utf8_lossy(&body).into_owned(),
    }
}

async fn evidence_count(app: &TestApp, session: &Session, scal: &str) -> usize {
    let page = app
        .page(Some(session), Method::GET, &format!("/scals/{scal}/evidence"), &[])
        .await;
    page.html.matches("href=\"/evidence/").count()
}

#[tokio::test]
async fn every_answer_carries_the_content_security_policy_and_no_page_has_inline_script_style_or_a_token_in_a_url() {
    let app = TestApp::demo().await;
    let (product, scal) = issued(&app).await;
    let policy = scal_web::CONTENT_SECURITY_POLICY;
    assert!(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"));
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ] {
        assert!(policy.contains(directive), "{directive}");
    }

    let get = |path: &str| Request::builder().uri(path).body(Body::empty()).unwrap();
    for (what, request) in [
        ("an API answer", get("/api/v1/me")),
        ("an API error", get("/api/v1/no-such-thing")),
        ("the health check", get("/healthz")),
        ("the sign-in page", get("/login")),
        ("a missing page", get("/no-such-page")),
        ("the stylesheet", get("/static/scal.css")),
    ] {
        let (_, headers, _) = app.send(request).await;
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], policy, "{what}");
        assert!(
            headers.get(header::STRICT_TRANSPORT_SECURITY).is_none(),
            "no HSTS over plain HTTP: {what}"
        );
    }

    let pages = [
        "/".to_string(),
        "/organisations".into(),
        "/products".into(),
        "/products/new".into(),
        format!("/products/{product}"),
        "/services".into(),
        "/tokens".into(),
        "/templates".into(),
        "/enquiries".into(),
        "/enquiries/new".into(),
        "/notifications".into(),
        format!("/scals/{scal}"),
        format!("/scals/{scal}/evidence"),
        format!("/scals/{scal}/submit"),
        "/no-such-page".into(),
    ];
    let mut rendered = vec![app.page(None, Method::GET, "/login", &[]).await];
    for email in ["admin@acme.example", "reviewer@nhse.example", "admin@nhse.example"] {
        let session = app.sign_in(email, PASSWORD).await.unwrap();
        for path in &pages {
            rendered.push(app.page(Some(&session), Method::GET, path, &[]).await);
        }
    }
    let uploads = rendered
        .iter()
        .filter(|p| p.html.contains("enctype=\"multipart/form-data\""))
        .count();
    assert!(uploads >= 3, "the upload forms were rendered: {uploads}");
    for page in &rendered {
        assert_eq!(page.headers[header::CONTENT_SECURITY_POLICY], policy);
        for forbidden in ["style=\"", "<style", "<script", "_csrf="] {
            assert!(!page.html.contains(forbidden), "{forbidden} in {}", page.html);
        }
    }
    // Each upload form's first field is its token.
    for page in rendered.iter().filter(|p| p.html.contains("multipart/form-data")) {
        let form = &page.html[page.html.find("enctype=\"multipart/form-data\"").unwrap()..];
        let first_input = &form[form.find("<input").unwrap()..];
        assert!(
            first_input.starts_with("<input type=\"hidden\" name=\"_csrf\""),
            "{form}"
        );
    }
}

#[tokio::test]
async fn secure_cookies_get_the_host_prefix_and_responses_get_hsts() {
    let app = TestApp::demo_with(WebSettings {
        cookie_secure: true,
        ..WebSettings::default()
    })
    .await;
    let login = app.page(None, Method::GET, "/login", &[]).await;
    assert_eq!(
        login.headers[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
    let set = login.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.starts_with("__Host-scal_csrf="), "{set}");
    assert!(
        set.contains("; Path=/;") && set.contains("; Secure") && !set.contains("Domain"),
        "{set}"
    );
    let pre = login.set_cookie("__Host-scal_csrf").unwrap();

    // The unprefixed name is not read: a cookie planted without the prefix does not count.
    let planted = Session {
        cookie: format!("scal_csrf={pre}"),
        csrf: login.csrf().unwrap(),
    };
    let refused = app
        .page(
            Some(&planted),
            Method::POST,
            "/login",
            &[("email", "admin@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let anonymous = Session {
        cookie: format!("__Host-scal_csrf={pre}"),
        csrf: login.csrf().unwrap(),
    };
    let signed_in = app
        .page(
            Some(&anonymous),
            Method::POST,
            "/login",
            &[("email", "admin@acme.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.html);
    let cookies: Vec<String> = signed_in
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("__Host-scal_session=") && c.contains("; Path=/;") && c.contains("; Secure")),
        "{cookies:?}"
    );
    assert!(cookies.iter().all(|c| c.starts_with("__Host-")), "{cookies:?}");
    let session = signed_in.set_cookie("__Host-scal_session").unwrap();
    let home = app
        .page(
            Some(&Session {
                cookie: format!("__Host-scal_session={session}"),
                csrf: String::new(),
            }),
            Method::GET,
            "/",
            &[],
        )
        .await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("/logout"), "signed in by the prefixed cookie");
    let api = app
        .send(Request::builder().uri("/api/v1/me").body(Body::empty()).unwrap())
        .await;
    assert_eq!(
        api.1[header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000; includeSubDomains"
    );
}

#[tokio::test]
async fn plain_cookies_keep_their_names() {
    let app = TestApp::demo().await;
    let login = app.page(None, Method::GET, "/login", &[]).await;
    assert!(login.set_cookie("scal_csrf").is_some());
    assert!(login.set_cookie("__Host-scal_csrf").is_none());
    assert!(!login.headers[header::SET_COOKIE].to_str().unwrap().contains("Secure"));
    // `sign_in` looks for `scal_session`.
    assert!(app.sign_in("admin@acme.example", PASSWORD).await.is_ok());
}

#[tokio::test]
async fn an_upload_needs_its_token_first_in_the_body_not_in_the_url() {
    let app = TestApp::demo().await;
    let (_, scal) = issued(&app).await;
    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let path = format!("/scals/{scal}/evidence");
    let token = session.csrf.clone();
    assert_eq!(evidence_count(&app, &session, &scal).await, 0);

    let in_the_url = upload(&app, &session, &format!("{path}?_csrf={token}"), &[], &[]).await;
    assert_eq!(
        in_the_url.status,
        StatusCode::FORBIDDEN,
        "a token in the URL is not accepted"
    );
    let missing = upload(&app, &session, &path, &[], &[]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let wrong = upload(&app, &session, &path, &[("_csrf", "attacker-guess")], &[]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let not_first = upload(&app, &session, &path, &[("note", "x"), ("_csrf", &token)], &[]).await;
    assert_eq!(
        not_first.status,
        StatusCode::FORBIDDEN,
        "the token must be the first part"
    );
    // The right token, but the first part only ends after 20 KiB, arriving in small chunks as
    // from a network: scal stops reading at 16 KiB and refuses.
    let boundary = "scal-headers-boundary";
    let padded = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\nX-Padding: {}\r\n\r\n{token}\r\n--{boundary}--\r\n",
        "x".repeat(20 * 1024)
    );
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = padded.as_bytes().chunks(1024).map(|c| Ok(c.to_vec())).collect();
    let request = Request::builder()
        .method(Method::POST)
        .uri(&path)
        .header(header::COOKIE, session.cookie.clone())
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let (status, _, _) = app.send(request).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the first part is read only so far");
    let cross_site = upload(
        &app,
        &session,
        &path,
        &[("_csrf", &token)],
        &[("sec-fetch-site", "cross-site")],
    )
    .await;
    assert_eq!(
        cross_site.status,
        StatusCode::FORBIDDEN,
        "the browser says another site sent it"
    );
    assert_eq!(evidence_count(&app, &session, &scal).await, 0, "nothing was stored");

    let good = upload(
        &app,
        &session,
        &path,
        &[("_csrf", &token)],
        &[
            ("sec-fetch-site", "same-origin"),
            ("origin", "http://scal.test"),
            ("host", "scal.test"),
        ],
    )
    .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.html);
    assert_eq!(
        evidence_count(&app, &session, &scal).await,
        1,
        "the handler read the whole file after the token"
    );
}

#[tokio::test]
async fn form_posts_from_another_site_are_refused_even_with_the_token() {
    let app = TestApp::demo().await;
    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let post = |n: usize, headers: Vec<(&'static str, &'static str)>| {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/products")
            .header(header::COOKIE, session.cookie.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::HOST, "scal.test");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request
            .body(Body::from(format!("name=Posted&version={n}&_csrf={}", session.csrf)))
            .unwrap()
    };
    for (n, headers) in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "https://evil.example")],
        vec![("origin", "http://scal.test.evil.example")],
    ]
    .into_iter()
    .enumerate()
    {
        let (status, _, _) = app.send(post(n, headers.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
    }
    for (n, headers) in [
        vec![("sec-fetch-site", "same-origin"), ("origin", "http://scal.test")],
        vec![("origin", "http://scal.test")],
        vec![],
    ]
    .into_iter()
    .enumerate()
    {
        let (status, _, _) = app.send(post(n, headers.clone())).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{headers:?}");
    }
}

/// Pages are compressed, so the CSRF token is masked afresh on every page (BREACH): two loads of
/// the same page carry different values, neither is the token itself, and both are accepted.
#[tokio::test]
async fn the_csrf_token_is_masked_differently_on_every_page() {
    let app = TestApp::demo().await;
    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let first = app
        .page(Some(&session), axum::http::Method::GET, "/products/new", &[])
        .await;
    let second = app
        .page(Some(&session), axum::http::Method::GET, "/products/new", &[])
        .await;
    let (a, b) = (first.csrf().unwrap(), second.csrf().unwrap());
    assert_ne!(a, b);
    let token = scal_app::secrets::unmask(&a).unwrap();
    assert_eq!(scal_app::secrets::unmask(&b).as_deref(), Some(token.as_str()));
    assert!(!first.html.contains(&token), "the token itself is never in a page");
    for (version, masked) in [("1", a), ("2", b)] {
        let created = app
            .page(
                Some(&session),
                axum::http::Method::POST,
                "/products",
                &[("_csrf", masked.as_str()), ("name", "Masked"), ("version", version)],
            )
            .await;
        assert_eq!(created.status, axum::http::StatusCode::SEE_OTHER, "{}", created.html);
    }
}
