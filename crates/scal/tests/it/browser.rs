//! Headless Chromium against a real server on loopback: every page for every demo role, each
//! checked with axe-core (no serious or critical violation), and the sign-in and create-product
//! journey with JavaScript switched off.

use std::time::Duration;

use crate::support::{TestApp, PASSWORD};
use crate::webdriver::{browser_available, Browser};

struct Server {
    runtime: tokio::runtime::Runtime,
    app: TestApp,
    base: String,
}

fn start_server() -> Server {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(async {
        let app = TestApp::demo().await;
        // Acme PAS has a SCAL, so its page shows the download and upload forms.
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
        app
    });
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app.router.clone();
    runtime.spawn(async move { axum::serve(listener, router).await });
    Server { runtime, app, base }
}

fn available() -> bool {
    match browser_available() {
        Ok(true) => true,
        Ok(false) => {
            eprintln!("skipping browser test: Chromium, chromedriver or axe-core missing (set SCAL_BROWSER_TESTS=required to fail instead)");
            false
        }
        Err(message) => panic!("{message}"),
    }
}

const WAIT: Duration = Duration::from_secs(10);

/// Clicks and waits for the page that follows to show `expect` (a click on a submit button may
/// return before the next page has loaded).
fn submit(browser: &Browser, button: &str, expect: &str) {
    browser.find(button).unwrap().click().unwrap();
    if let Err(e) = browser.wait_for(expect, WAIT) {
        panic!(
            "after clicking {button}, expected {expect}: {e}\n{}",
            browser.page_source().unwrap_or_default()
        );
    }
}

fn sign_in(browser: &Browser, base: &str, email: &str, password: &str, expect: &str) {
    browser.goto(&format!("{base}/login")).unwrap();
    browser.find("#email").unwrap().send_keys(email).unwrap();
    browser.find("#password").unwrap().send_keys(password).unwrap();
    submit(browser, "form[action='/login'] button[type=submit]", expect);
}

fn sign_out(browser: &Browser) {
    submit(browser, "form[action='/logout'] button", "form[action='/login']");
}

#[test]
fn every_page_for_every_role_passes_axe() {
    if !available() {
        return;
    }
    let server = start_server();
    let base = &server.base;
    let (acme, bright, product, acme_user, template) = server.runtime.block_on(async {
        (
            server.app.org_id("8JK21").await,
            server.app.org_id("8QW47").await,
            server.app.product_id("Acme PAS").await,
            server.app.user_id("dev@acme.example").await,
            scal_app::templates::list(server.app.app(), &scal_app::Actor::System)
                .await
                .unwrap()[0]
                .0
                .id
                .clone(),
        )
    });
    let pages = [
        "/".to_string(),
        "/organisations".into(),
        "/organisations/new".into(),
        format!("/organisations/{acme}"),
        format!("/organisations/{bright}"),
        format!("/organisations/{acme}/edit"),
        format!("/organisations/{acme}/users/new"),
        format!("/users/{acme_user}"),
        format!("/users/{acme_user}/edit"),
        "/products".into(),
        "/products/new".into(),
        format!("/products/{product}"),
        format!("/products/{product}/edit"),
        "/services".into(),
        "/services/new".into(),
        "/services/PDS-FHIR/edit".into(),
        "/tokens".into(),
        "/audit".into(),
        "/templates".into(),
        format!("/templates/{template}"),
        format!("/templates/{template}/versions/1"),
        format!("/templates/{template}/diff"),
        "/no-such-page".into(),
    ];
    let browser = Browser::start(true).unwrap();
    let mut violations = Vec::new();
    let mut check = |browser: &Browser, what: &str| {
        for v in browser.axe_serious_violations().unwrap() {
            violations.push(format!("{what}: {v}"));
        }
    };

    browser.goto(&format!("{base}/login")).unwrap();
    check(&browser, "sign-in page");
    sign_in(
        &browser,
        base,
        "admin@acme.example",
        "wrong password",
        ".nhsuk-error-summary",
    );
    check(&browser, "sign-in page with an error");

    for login in scal_app::demo::DEMO_LOGINS {
        sign_in(&browser, base, login.email, PASSWORD, "form[action='/logout']");
        for path in &pages {
            browser.goto(&format!("{base}{path}")).unwrap();
            check(&browser, &format!("{} {path}", login.email));
        }
        sign_out(&browser);
    }

    // States that only appear after a post: an import report, a form with errors, a created token.
    sign_in(
        &browser,
        base,
        "reviewer@nhse.example",
        PASSWORD,
        "form[action='/logout']",
    );
    browser.goto(&format!("{base}/templates")).unwrap();
    let file =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/real/scal-gpc-send-document.xlsx");
    browser
        .find("#file")
        .unwrap()
        .send_keys(&file.canonicalize().unwrap().display().to_string())
        .unwrap();
    browser
        .find("#name")
        .unwrap()
        .send_keys("Uploaded in the browser")
        .unwrap();
    submit(&browser, "form[enctype='multipart/form-data'] button", ".nhsuk-panel");
    assert!(browser
        .page_source()
        .unwrap()
        .contains("48 requirements on a service sheet"));
    check(&browser, "import report");
    sign_out(&browser);

    sign_in(&browser, base, "dev@acme.example", PASSWORD, "form[action='/logout']");
    let completed = server.runtime.block_on(async {
        let supplier = scal_app::auth::actor_for(
            &scal_store::records::users::get_by_email(server.app.app().store.pool(), "dev@acme.example")
                .await
                .unwrap()
                .unwrap(),
        );
        scal_app::scals::workbook(server.app.app(), &supplier, &product, server.app.now())
            .await
            .unwrap()
            .bytes
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("completed.xlsx");
    std::fs::write(&file, completed).unwrap();
    browser.goto(&format!("{base}/products/{product}")).unwrap();
    browser
        .find("#file")
        .unwrap()
        .send_keys(&file.display().to_string())
        .unwrap();
    submit(&browser, "form[enctype='multipart/form-data'] button", ".nhsuk-panel");
    assert!(browser.page_source().unwrap().contains("Answers uploaded"));
    check(&browser, "answers upload report");
    browser.goto(&format!("{base}/products/new")).unwrap();
    submit(&browser, "button[type=submit].nhsuk-button", ".nhsuk-error-summary");
    check(&browser, "product form with errors");
    browser.goto(&format!("{base}/tokens")).unwrap();
    browser.find("#name").unwrap().send_keys("Browser test").unwrap();
    submit(&browser, "form[action='/tokens'] button", "#new-token");
    check(&browser, "token created");

    assert!(
        violations.is_empty(),
        "{} serious or critical axe violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

#[test]
fn signing_in_and_creating_a_product_works_without_javascript() {
    if !available() {
        return;
    }
    let server = start_server();
    let base = &server.base;
    let browser = Browser::start(false).unwrap();
    browser.goto(&format!("{base}/products/new")).unwrap();
    assert!(
        browser.current_url().unwrap().contains("/login?next="),
        "sent to sign in first"
    );
    browser
        .find("#email")
        .unwrap()
        .send_keys("admin@brightwater.example")
        .unwrap();
    browser.find("#password").unwrap().send_keys(PASSWORD).unwrap();
    submit(&browser, "form[action='/login'] button", "form[action='/products']");
    assert!(
        browser.current_url().unwrap().ends_with("/products/new"),
        "brought back after sign-in"
    );

    browser.find("#name").unwrap().send_keys("Brightwater Mobile").unwrap();
    submit(&browser, "button[type=submit].nhsuk-button", ".nhsuk-error-summary");
    assert!(
        browser.page_source().unwrap().contains("Enter the product version"),
        "server-side validation"
    );

    browser.find("#version").unwrap().send_keys("1.0").unwrap();
    browser
        .find("#description")
        .unwrap()
        .send_keys("Mobile app for clinicians")
        .unwrap();
    submit(&browser, "button[type=submit].nhsuk-button", ".nhsuk-summary-list");
    let heading = browser.find("h1").unwrap().text().unwrap();
    assert_eq!(heading, "Brightwater Mobile 1.0");
    let stored = server
        .runtime
        .block_on(scal_store::records::products::list(server.app.app().store.pool(), None))
        .unwrap();
    assert!(stored
        .iter()
        .any(|p| p.details.name == "Brightwater Mobile" && p.details.description == "Mobile app for clinicians"));
}
